import { type ParseArgsConfig, parseArgs } from "node:util";
import { openStore } from "../store/open.js";
import type { DeliveryStatus, DeliverySummary } from "../store/types.js";
import { formatTable } from "../util/text-table.js";
import { CliError, type CliIO } from "./io.js";

export const inboxUsage = `Usage:
  shipledger inbox [list] [--status pending,processing,failed,done] [--installation ID] [--limit N] [--json]
      Lists deliveries waiting, in progress or failed (default: all but done). --json: one document,
      {"counts": {...}, "deliveries": [...]}, times in ISO 8601.
  shipledger inbox retry <delivery-id>... | --failed
      Requeues deliveries (or every failed one) to be processed again, with a fresh attempt count.
`;

const statuses: DeliveryStatus[] = ["pending", "processing", "done", "failed"];

export async function inboxCommand(argv: string[], io: CliIO): Promise<number> {
  const [sub = "list", ...rest] = argv[0]?.startsWith("-") ? ["list", ...argv] : argv;
  if (sub === "list") return list(rest, io);
  if (sub === "retry") return retry(rest, io);
  throw new CliError(`inbox: unknown subcommand "${sub}"\n${inboxUsage}`, 2);
}

function parse<T extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(`inbox: ${(error as Error).message}\n${inboxUsage}`, 2);
  }
}

/** The largest --limit: more rows than any inbox lists at once, well inside what a database counts. */
const MAX_LIMIT = 100_000;
/** An installation id as GitHub gives it: digits (a positive integer). */
const ID = /^[1-9][0-9]{0,15}$/;

async function list(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(argv, {
    status: { type: "string" },
    installation: { type: "string" },
    limit: { type: "string" },
    json: { type: "boolean" },
  });
  if (positionals.length > 0) {
    throw new CliError(`inbox list: unexpected "${positionals.join(" ")}" (statuses go in --status)\n${inboxUsage}`, 2);
  }
  const wanted = (
    typeof values.status === "string" ? values.status.split(",") : ["pending", "processing", "failed"]
  ).map((s: string) => s.trim());
  for (const s of wanted) {
    if (!statuses.includes(s as DeliveryStatus)) {
      throw new CliError(`inbox: --status "${s}" is not one of ${statuses.join(", ")}`, 2);
    }
  }
  const limit = values.limit === undefined ? 200 : Number(values.limit);
  if (!/^[0-9]+$/.test(values.limit ?? "200") || !Number.isInteger(limit) || limit <= 0 || limit > MAX_LIMIT) {
    throw new CliError(`inbox: --limit expects a number from 1 to ${MAX_LIMIT}, got "${values.limit}"`, 2);
  }
  if (values.installation !== undefined && !ID.test(values.installation.trim())) {
    throw new CliError(`inbox: --installation expects an installation id (digits), got "${values.installation}"`, 2);
  }
  const installation = values.installation === undefined ? undefined : Number(values.installation.trim());
  const store = await openStore(io.env.DATABASE_URL, { cwd: io.cwd });
  try {
    const deliveries = await store.inbox.listDeliveries({
      statuses: wanted as DeliveryStatus[],
      ...(installation === undefined ? {} : { installationId: installation }),
      limit,
    });
    const counts = await store.inbox.countDeliveries();
    if (values.json) {
      io.stdout(`${JSON.stringify({ counts, deliveries: deliveries.map(summarise) }, null, 2)}\n`);
      return 0;
    }
    io.stdout(
      `inbox: ${counts.pending} pending, ${counts.processing} processing, ${counts.failed} failed, ${counts.done} done\n`,
    );
    if (deliveries.length === 0) return 0;
    io.stdout(
      formatTable(
        ["DELIVERY", "EVENT", "REPOSITORY", "STATUS", "ATTEMPTS", "RECEIVED", "NEXT ATTEMPT", "LAST ERROR"],
        deliveries.map((d) => [
          d.id,
          d.action ? `${d.event}.${d.action}` : d.event,
          d.repositoryFullName ?? (d.installationId === null ? "-" : `installation ${d.installationId}`),
          d.status,
          String(d.attempts),
          iso(d.receivedAt),
          d.status === "pending" ? iso(d.nextAttemptAt) : "-",
          (d.lastError ?? "").replace(/\s+/g, " ").slice(0, 100),
        ]),
      ),
    );
    return 0;
  } finally {
    await store.close();
  }
}

async function retry(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(argv, { failed: { type: "boolean" } });
  if (!values.failed && positionals.length === 0) {
    throw new CliError(`inbox retry: give delivery ids or --failed\n${inboxUsage}`, 2);
  }
  if (values.failed && positionals.length > 0)
    throw new CliError("inbox retry: give delivery ids or --failed, not both", 2);
  const store = await openStore(io.env.DATABASE_URL, { cwd: io.cwd });
  try {
    const requeued = await store.inbox.requeueDeliveries(
      values.failed ? { failed: true } : { ids: positionals },
      io.now(),
    );
    const unknown = positionals.filter((id) => !requeued.includes(id));
    io.stdout(`inbox: requeued ${requeued.length} deliver${requeued.length === 1 ? "y" : "ies"}\n`);
    for (const id of requeued) io.stdout(`  ${id}\n`);
    if (unknown.length > 0) {
      io.stderr(`inbox retry: not requeued (unknown, or being processed right now): ${unknown.join(", ")}\n`);
      return 1;
    }
    return 0;
  } finally {
    await store.close();
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A delivery in `--json`: without its payload, every time as ISO 8601 (null when there is none). */
function summarise(d: DeliverySummary) {
  const at = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: d.id,
    event: d.event,
    action: d.action,
    installationId: d.installationId,
    repositoryId: d.repositoryId,
    repositoryFullName: d.repositoryFullName,
    status: d.status,
    attempts: d.attempts,
    receivedAt: at(d.receivedAt),
    // As in the table: only a pending delivery has a next attempt.
    nextAttemptAt: d.status === "pending" ? at(d.nextAttemptAt) : null,
    lockedBy: d.lockedBy,
    lockedAt: at(d.lockedAt),
    completedAt: at(d.completedAt),
    lastError: d.lastError,
  };
}
