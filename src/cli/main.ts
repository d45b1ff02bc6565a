#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { loadDotEnv } from "../config/dotenv.js";
import { CliError, type CliIO, processIO } from "./io.js";

type Command = (argv: string[], io: CliIO) => Promise<number>;

// Each command is loaded when it runs: `scan` must not pay for the store (drizzle, pg, SQLite).
// `dotEnv`: `.env` in the working directory is loaded first, as the app loads it. Never for `scan`:
// it reads no settings and runs inside repositories that are not ours, where a committed `.env`
// (LD_PRELOAD, GIT_CONFIG_*, …) would reach the gits it runs.
// `usage`: what `shipledger <command> --help` prints.
const commands: Record<
  string,
  { load: () => Promise<Command>; usage: () => Promise<string>; summary: string; dotEnv: boolean }
> = {
  migrate: {
    load: async () => (await import("./migrate.js")).migrateCommand,
    usage: async () => (await import("./migrate.js")).migrateUsage,
    summary: "apply the ledger's migrations to DATABASE_URL",
    dotEnv: true,
  },
  inbox: {
    load: async () => (await import("./inbox.js")).inboxCommand,
    usage: async () => (await import("./inbox.js")).inboxUsage,
    summary: "list pending and failed webhook deliveries; retry them",
    dotEnv: true,
  },
  scan: {
    load: async () => (await import("./scan.js")).scanCommand,
    usage: async () => (await import("./scan.js")).scanUsage,
    summary: "attribute AI assistance in a local git repository's history",
    dotEnv: false,
  },
  report: {
    load: async () => (await import("./report.js")).reportCommand,
    usage: async () => (await import("./report.js")).reportUsage,
    summary: "normalised deployments and companions for a repository or an organisation",
    dotEnv: true,
  },
  agents: {
    load: async () => (await import("./agents.js")).agentsCommand,
    usage: async () => (await import("./agents.js")).agentsUsage,
    summary: "list the agents and markers the attribution engine recognises",
    dotEnv: false,
  },
  explain: {
    load: async () => (await import("./agents.js")).explainCommand,
    usage: async () => (await import("./agents.js")).agentsUsage,
    summary: "show, marker by marker, why a commit is or is not attributed",
    dotEnv: false,
  },
  backfill: {
    load: async () => (await import("./backfill.js")).backfillCommand,
    usage: async () => (await import("./backfill.js")).backfillUsage,
    summary: "read a repository's or an organisation's history into the ledger; show progress",
    dotEnv: true,
  },
  costs: {
    load: async () => (await import("./costs.js")).costsCommand,
    usage: async () => (await import("./costs.js")).costsUsage,
    summary: "ingest tokens for agents' OpenTelemetry spend; import spend from a vendor's export",
    dotEnv: true,
  },
  demo: {
    load: async () => (await import("../demo/run.js")).demoCommand,
    usage: async () => (await import("../demo/run.js")).demoUsage,
    summary:
      "play four weeks of a team on a fake GitHub, offline; print the report (--installed-late: read as history)",
    dotEnv: true,
  },
};

async function usage(): Promise<string> {
  const { inboxUsage } = await import("./inbox.js");
  const { reportUsage } = await import("./report.js");
  const { backfillUsage } = await import("./backfill.js");
  const { agentsUsage } = await import("./agents.js");
  const { costsUsage } = await import("./costs.js");
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `Usage: shipledger <command> [options]\n\nCommands:\n${lines.join("\n")}\n\n${inboxUsage}\n${reportUsage}\n${backfillUsage}\n${agentsUsage}\n${costsUsage}`;
}

/** Runs the CLI and returns its exit code; never throws. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    io.stdout(await usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    io.stderr(`shipledger: unknown command "${name}"\n${await usage()}`);
    return 2;
  }
  if (asksForHelp(rest)) {
    io.stdout(await command.usage());
    return 0;
  }
  try {
    const run = await command.load();
    return await run(rest, io);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`shipledger ${error.message}\n`);
      return error.exitCode;
    }
    // Loaded only here: commands that never read the settings do not pay for their schema (zod).
    const { ConfigurationError } = await import("../config/env.js");
    if (error instanceof ConfigurationError) {
      io.stderr(`shipledger: configuration error: ${error.message}\n`);
      return 1;
    }
    io.stderr(`shipledger ${name}: ${(error as Error).message}\n`);
    return 1;
  }
}

/** `--help` or `-h` among a command's options (not after `--`, where it is an argument). */
function asksForHelp(argv: readonly string[]): boolean {
  const options = argv.indexOf("--") === -1 ? argv : argv.slice(0, argv.indexOf("--"));
  return options.includes("--help") || options.includes("-h");
}

function isEntry(): boolean {
  try {
    // npm's bin link is a symlink: compare real paths.
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1] ?? "")).href;
  } catch {
    return false;
  }
}

/** Loads `.env` for the commands that read it; false (said on stderr) when it exists but cannot be read. */
function loadedDotEnv(command: string | undefined): boolean {
  if (!commands[command ?? ""]?.dotEnv) return true;
  try {
    loadDotEnv();
    return true;
  } catch (error) {
    process.stderr.write(`shipledger: cannot read .env: ${(error as Error).message}\n`);
    return false;
  }
}

if (isEntry()) {
  const argv = process.argv.slice(2);
  process.exitCode = loadedDotEnv(argv[0]) ? await runCli(argv, processIO()) : 1;
}
