#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { ConfigurationError } from "../config/env.js";
import { loadDotEnv } from "../start.js";
import { inboxCommand, inboxUsage } from "./inbox.js";
import { CliError, type CliIO, processIO } from "./io.js";
import { migrateCommand } from "./migrate.js";
import { scanCommand } from "./scan.js";

type Command = (argv: string[], io: CliIO) => Promise<number>;

const commands: Record<string, { run: Command; summary: string }> = {
  migrate: { run: migrateCommand, summary: "apply the ledger's migrations to DATABASE_URL" },
  inbox: { run: inboxCommand, summary: "list pending and failed webhook deliveries; retry them" },
  scan: { run: scanCommand, summary: "attribute AI assistance in a local git repository's history" },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `Usage: shipledger <command> [options]\n\nCommands:\n${lines.join("\n")}\n\n${inboxUsage}`;
}

/** Runs the CLI and returns its exit code; never throws. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    io.stdout(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    io.stderr(`shipledger: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`shipledger ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof ConfigurationError) {
      io.stderr(`shipledger: configuration error: ${error.message}\n`);
      return 1;
    }
    io.stderr(`shipledger ${name}: ${(error as Error).message}\n`);
    return 1;
  }
}

function isEntry(): boolean {
  try {
    // npm's bin link is a symlink: compare real paths.
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1] ?? "")).href;
  } catch {
    return false;
  }
}

if (isEntry()) {
  loadDotEnv();
  process.exitCode = await runCli(process.argv.slice(2), processIO());
}
