// `shipledger costs`: the ingest tokens coding agents export their spend with, and imports of spend
// exported from a vendor's console. Installations are found in the ledger by owner login.

import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { usagePoint } from "../model/spend.js";
import { ImportError, type ImportedReading, parseSpendExport } from "../spend/import.js";
import { openStore } from "../store/open.js";
import type { Store } from "../store/types.js";
import { formatTable } from "../util/text-table.js";
import { hashToken } from "../web/otlp.js";
import { CliError, type CliIO } from "./io.js";

export const costsUsage = `Usage:
  shipledger costs token create --owner OWNER [--name NAME]
      Makes an ingest token for OWNER's installation and prints it once. Coding agents export to
      the app with it: OTEL_EXPORTER_OTLP_ENDPOINT=<app URL>,
      OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer <token>. It writes spend, and reads nothing.
  shipledger costs token list --owner OWNER [--json]
  shipledger costs token revoke --owner OWNER ID
  shipledger costs import FILE --owner OWNER [--replace-days]
      Imports spend exported from a vendor's console (CSV or JSON; see README, "What shipping
      costs"). Importing a corrected export again replaces what earlier imports gave for the same
      agent, model and day; with --replace-days, everything earlier imports gave on the days the
      file covers (a correction that renames a model or moves a date). Telemetry is never replaced.
`;

/** The token's visible prefix: says what it is when it turns up in a secret scanner or a log. */
const TOKEN_PREFIX = "shl_ingest_";

export async function costsCommand(argv: string[], io: CliIO): Promise<number> {
  const [what, verb, ...rest] = argv;
  if (what === "token" && verb === "create") return withStore(io, (store) => createToken(store, rest, io));
  if (what === "token" && verb === "list") return withStore(io, (store) => listTokens(store, rest, io));
  if (what === "token" && verb === "revoke") return withStore(io, (store) => revokeToken(store, rest, io));
  if (what === "import" && verb !== undefined) return withStore(io, (store) => importSpend(store, verb, rest, io));
  throw new CliError(`costs: expected "token create|list|revoke" or "import FILE"\n${costsUsage}`, 2);
}

async function withStore(io: CliIO, run: (store: Store) => Promise<number>): Promise<number> {
  const store = await openStore(io.env.DATABASE_URL, { cwd: io.cwd });
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

function parse<T extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: T, positionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: positionals, strict: true });
  } catch (error) {
    throw new CliError(`costs: ${(error as Error).message}\n${costsUsage}`, 2);
  }
}

/** The one live installation of OWNER in the ledger. */
async function installationOf(store: Store, owner: string | undefined): Promise<number> {
  if (!owner) throw new CliError(`costs: --owner OWNER is required\n${costsUsage}`, 2);
  const live = (await store.installations.findInstallationsByLogin(owner)).filter((i) => i.deletedAt === null);
  if (live.length === 0) throw new CliError(`costs: no installation of the app for "${owner}" in the ledger`);
  if (live.length > 1) {
    throw new CliError(
      `costs: "${owner}" names ${live.length} installations (a login that changed hands); remove the stale one first`,
    );
  }
  return (live[0] as { id: number }).id;
}

async function createToken(store: Store, argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, { owner: { type: "string" }, name: { type: "string" } });
  const installationId = await installationOf(store, values.owner);
  const name = (values.name ?? "agents").slice(0, 100);
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  const id = await store.spend.createIngestToken({
    installationId,
    name,
    tokenHash: hashToken(token),
    createdAt: io.now(),
  });
  io.stdout(
    `${token}\n` +
      `costs: ingest token ${id} ("${name}") for ${values.owner}; it is shown once and kept only as a hash.\n` +
      `  OTEL_EXPORTER_OTLP_ENDPOINT=<the app's URL>  OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer ${TOKEN_PREFIX}…"\n`,
  );
  return 0;
}

async function listTokens(store: Store, argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, { owner: { type: "string" }, json: { type: "boolean" } });
  const tokens = await store.spend.listIngestTokens(await installationOf(store, values.owner));
  if (values.json) {
    io.stdout(`${JSON.stringify(tokens, null, 2)}\n`);
    return 0;
  }
  const when = (t: number | null) => (t === null ? "—" : new Date(t).toISOString().slice(0, 16).replace("T", " "));
  io.stdout(
    tokens.length === 0
      ? `costs: no ingest tokens for ${values.owner}\n`
      : formatTable(
          ["id", "name", "created", "last used", "revoked"],
          tokens.map((t) => [String(t.id), t.name, when(t.createdAt), when(t.lastUsedAt), when(t.revokedAt)]),
        ),
  );
  return 0;
}

async function revokeToken(store: Store, argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(argv, { owner: { type: "string" } }, true);
  const id = Number(positionals[0]);
  if (positionals.length !== 1 || !Number.isInteger(id) || id <= 0) {
    throw new CliError(`costs: token revoke expects one token id\n${costsUsage}`, 2);
  }
  const installationId = await installationOf(store, values.owner);
  const revoked = await store.spend.revokeIngestToken(installationId, id, io.now());
  if (!revoked) {
    const earlier = (await store.spend.listIngestTokens(installationId)).find((t) => t.id === id);
    throw new CliError(
      earlier?.revokedAt != null
        ? `costs: ingest token ${id} of ${values.owner} was revoked already (${new Date(earlier.revokedAt).toISOString()})`
        : `costs: ${values.owner} has no ingest token ${id} (\`shipledger costs token list --owner ${values.owner}\` lists them)`,
    );
  }
  io.stdout(`costs: ingest token ${id} revoked; exports with it are now refused (401)\n`);
  return 0;
}

async function importSpend(store: Store, file: string, argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, { owner: { type: "string" }, "replace-days": { type: "boolean" } });
  const installationId = await installationOf(store, values.owner);
  let text: string;
  try {
    text = await readFile(resolve(io.cwd, file), "utf8");
  } catch (error) {
    throw new CliError(
      `costs: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  let readings: ImportedReading[];
  try {
    readings = parseSpendExport(text);
  } catch (error) {
    if (error instanceof ImportError) throw new CliError(`costs: ${file}: ${error.message}`);
    throw error;
  }
  const now = io.now();
  const points = readings.map((r) => usagePoint(installationId, { ...r, temporality: "delta" }, "import", now));
  await store.spend.replaceImportedUsage(points, { wholeDays: values["replace-days"] === true });
  const usd = readings.filter((r) => r.measure === "costUsd").reduce((sum, r) => sum + r.value, 0);
  const sessions = new Set(points.flatMap((p) => (p.sessionKey === null ? [] : [p.sessionKey])));
  const unkeyed = points.filter((p) => p.sessionKey === null).length;
  io.stdout(
    `costs: imported ${points.length} values from ${file}: $${usd.toFixed(2)} reported, ${sessions.size} sessions` +
      (unkeyed > 0 ? `, ${unkeyed} values without a session (counted for the team, never per change)` : "") +
      "\n",
  );
  return 0;
}
