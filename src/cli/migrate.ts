import { parseDatabaseUrl, redactUrl } from "../store/database-url.js";
import { openStore } from "../store/open.js";
import { CliError, type CliIO } from "./io.js";

export const migrateUsage = `Usage:
  shipledger migrate
      Applies the ledger's pending migrations to DATABASE_URL (default: the SQLite file
      ./data/shipledger.db); the app and every other command also apply them when they open it.
`;

export async function migrateCommand(argv: string[], io: CliIO): Promise<number> {
  if (argv.length > 0) throw new CliError(`migrate: takes no arguments (it migrates DATABASE_URL)`, 2);
  const target = parseDatabaseUrl(io.env.DATABASE_URL, io.cwd);
  const store = await openStore(io.env.DATABASE_URL, { cwd: io.cwd, migrate: true });
  await store.close();
  const where = target.dialect === "postgres" ? redactUrl(target.url) : target.path;
  io.stdout(`migrate: ${target.dialect} ledger at ${where} is up to date\n`);
  return 0;
}
