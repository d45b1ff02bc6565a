// Every fast-check run of the suite uses one seed, fixed unless asked otherwise, so that a rare case
// cannot turn an unrelated change red: `PROPERTY_SEED=<n>` replays a run (fast-check prints the seed
// of a failure), `PROPERTY_SEED=random` explores, and `PROPERTY_RUNS=<k>` runs every property k
// times as often. test/global-setup.ts resolves both once and prints them.
import type fc from "fast-check";
import { inject } from "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** The seed and the run multiplier of this test run's properties. */
    propertyRun: PropertyRun;
  }
}

export interface PropertyRun {
  seed: number;
  runsFactor: number;
}

const DEFAULT_SEED = 20260101;

/** Reads PROPERTY_SEED and PROPERTY_RUNS; a value that is not understood is an error, not a silent default. */
export function resolvePropertyRun(env: NodeJS.ProcessEnv): PropertyRun {
  const seedText = env.PROPERTY_SEED?.trim() || String(DEFAULT_SEED);
  const seed = seedText === "random" ? (Math.random() * 2 ** 31) | 0 : Number(seedText);
  if (!Number.isSafeInteger(seed))
    throw new Error(`PROPERTY_SEED: expected a whole number or "random", got ${seedText}`);
  const runsText = env.PROPERTY_RUNS?.trim() || "1";
  const runsFactor = Number(runsText);
  if (!Number.isInteger(runsFactor) || runsFactor < 1) {
    throw new Error(`PROPERTY_RUNS: expected a positive whole number, got ${runsText}`);
  }
  return { seed, runsFactor };
}

let run: PropertyRun | undefined;
// Read when a test first asks (inject works in test workers only; global-setup imports this file).
const current = (): PropertyRun => {
  run ??= inject("propertyRun") ?? resolvePropertyRun(process.env);
  return run;
};

/** This run's seed, for test names and messages. */
export const propertySeed = (): number => current().seed;

/**
 * Parameters for fc.assert and fc.sample: this run's seed, and `numRuns` (fast-check's default
 * of 100 when not given) times PROPERTY_RUNS.
 */
export function propertyParams<T>(params: Omit<fc.Parameters<T>, "seed"> = {}): fc.Parameters<T> {
  const { seed, runsFactor } = current();
  return { ...params, seed, numRuns: (params.numRuns ?? 100) * runsFactor };
}
