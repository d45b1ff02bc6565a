// Prices of tokens, for agents that report tokens but no cost (Gemini CLI, Codex): a table of USD
// per million tokens per model, from the instance's settings (COST_PRICES_FILE) and the owner's
// `.github/shipledger.yml` (`costs.prices`), the owner's table winning model by model: a model it
// prices, by name or by a pattern, takes its price, however closely the instance's names it. A cost
// priced here is an estimate and is always marked so; a model with no price is left unpriced and
// reported as such, never guessed. Pure.

import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { compileGlob, type Glob } from "../attribution/glob.js";
import { inputIncludesCacheRead } from "./usage.js";

const perMillion = z.number().min(0).max(10_000);

/** USD per million tokens of one model; cache prices default to the input price when not given. */
export const modelPriceSchema = z.strictObject({
  input: perMillion,
  output: perMillion,
  cacheRead: perMillion.optional(),
  cacheWrite: perMillion.optional(),
});

/**
 * Model → price. A key may end in `*` to cover a family ("gemini-2.5-pro*"); an exact key wins
 * over a pattern, and a longer pattern over a shorter one. Keys are compared case-insensitively.
 */
export const priceTableSchema = z
  .record(z.string().min(1, "a model name").max(100, "a model name of at most 100 characters"), modelPriceSchema)
  .refine((table) => Object.keys(table).length <= 500, "at most 500 models");

export type ModelPrice = z.infer<typeof modelPriceSchema>;
export type PriceTable = z.infer<typeof priceTableSchema>;

export interface TokenCounts {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface Pricer {
  /** The price of `model`, or null when the table has none. */
  priceOf(model: string | null): ModelPrice | null;
  /** USD for the tokens of one agent's model, or null when the model has no price. */
  estimate(agent: string, model: string | null, tokens: TokenCounts): number | null;
}

/**
 * The pricer of the tables in force, the first winning: the owner's (`costs.prices`), then the
 * instance's (COST_PRICES_FILE). A model is priced by the first table that prices it at all, each
 * table choosing among its own keys (exact, then the longest pattern): an owner's "claude-sonnet-*"
 * prices claude-sonnet-4-5 even where the instance's file names that model exactly.
 */
export function pricer(...tables: ReadonlyArray<PriceTable | undefined>): Pricer {
  const resolvers = tables.map(priceResolver);
  const priceOf = (model: string | null): ModelPrice | null => {
    if (model === null) return null;
    const name = model.toLowerCase();
    for (const resolve of resolvers) {
      const price = resolve(name);
      if (price !== null) return price;
    }
    return null;
  };
  return {
    priceOf,
    estimate(agent, model, tokens) {
      const price = priceOf(model);
      if (price === null) return null;
      // Gemini and Codex (OpenAI's and Google's models) count cached tokens inside their input
      // count; Anthropic counts them apart.
      const input = inputIncludesCacheRead(agent, model) ? Math.max(0, tokens.input - tokens.cacheRead) : tokens.input;
      return (
        (input * price.input +
          tokens.output * price.output +
          tokens.cacheRead * (price.cacheRead ?? price.input) +
          tokens.cacheWrite * (price.cacheWrite ?? price.input)) /
        1_000_000
      );
    },
  };
}

/** One table's price of a model (lower-cased): its exact key, else its longest matching pattern. */
function priceResolver(table: PriceTable | undefined): (name: string) => ModelPrice | null {
  const exact = new Map<string, ModelPrice>();
  const patterns: Array<{ glob: Glob; length: number; price: ModelPrice }> = [];
  for (const [key, price] of Object.entries(table ?? {})) {
    const model = key.toLowerCase();
    if (model.includes("*") || model.includes("?")) {
      patterns.push({ glob: compileGlob(model, { caseInsensitive: true }), length: model.length, price });
    } else exact.set(model, price);
  }
  patterns.sort((a, b) => b.length - a.length);
  return (name) => exact.get(name) ?? patterns.find((p) => p.glob.test(name))?.price ?? null;
}

/**
 * The instance's price table from its file's text (COST_PRICES_FILE: YAML or JSON, models at the
 * top level or under `prices:`); throws an Error naming the file and the field that is wrong.
 */
export function parsePriceTable(text: string, source: string): PriceTable {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new Error(`${source}: not YAML or JSON: ${String((error as Error).message).split("\n")[0]}`);
  }
  if (value === null || value === undefined) return {};
  const table =
    typeof value === "object" && value !== null && "prices" in value ? (value as { prices: unknown }).prices : value;
  const parsed = priceTableSchema.safeParse(table);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join(".") || "(top level)";
    throw new Error(
      `${source}: ${path}: ${issue?.message ?? "invalid"} (expected model: { input, output, cacheRead?, cacheWrite? } in USD per million tokens)`,
    );
  }
  return parsed.data;
}
