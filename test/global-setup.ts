import type { TestProject } from "vitest/node";
import { findPostgresBin, startPostgresCluster } from "./helpers/postgres-cluster.js";
import { resolvePropertyRun } from "./helpers/property.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of the throwaway Postgres server, or "" when this machine has no Postgres binaries. */
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const propertyRun = resolvePropertyRun(process.env);
  project.provide("propertyRun", propertyRun);
  console.log(
    `fast-check: seed ${propertyRun.seed}, runs ×${propertyRun.runsFactor} ` +
      "(PROPERTY_SEED=<n>|random and PROPERTY_RUNS=<k> to explore; a failure prints its seed)",
  );
  if (!findPostgresBin()) {
    const message =
      "\n!!! PostgreSQL binaries not found: the Postgres half of the store suites is SKIPPED.\n" +
      "!!! Install Debian's postgresql package (bash .ci/run does) to run it.\n";
    if (process.env.CI) throw new Error(`${message}CI must run both dialects.`);
    console.warn(message);
    project.provide("postgresUrl", "");
    return;
  }
  const cluster = await startPostgresCluster();
  project.provide("postgresUrl", cluster.url);
  return () => cluster.stop();
}
