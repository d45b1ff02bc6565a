// Starts a throwaway PostgreSQL cluster (initdb + pg_ctl in a temp dir, on a loopback port) for
// the Postgres half of the store tests, and stops it afterwards.
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../src/util/free-port.js";

export interface PostgresCluster {
  url: string;
  stop(): void;
  /** Stops the server but keeps its data (an outage); resume() starts it again on the same port. */
  pause(): void;
  resume(): void;
}

/** Where pg_ctl and initdb live: PG_BIN, `pg_config --bindir`, or Debian's /usr/lib/postgresql/N/bin. */
export function findPostgresBin(): string | null {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  const pgConfig = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  if (pgConfig.status === 0) candidates.push(pgConfig.stdout.trim());
  if (existsSync("/usr/lib/postgresql")) {
    const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(join("/usr/lib/postgresql", v, "bin"));
  }
  return candidates.find((dir) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl"))) ?? null;
}

function run(bin: string, args: string[], asUser: string | null): void {
  const [cmd, argv] = asUser ? ["runuser", ["-u", asUser, "--", bin, ...args]] : [bin, args];
  const result = spawnSync(cmd, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (result.status !== 0) {
    throw new Error(`${bin} ${args.join(" ")} failed (${result.status}): ${result.stderr || result.stdout}`);
  }
}

/**
 * `durable`: PostgreSQL's own defaults (fsync, synchronous commit), for benchmarks; tests run
 * without them, for speed.
 */
export async function startPostgresCluster({ durable = false }: { durable?: boolean } = {}): Promise<PostgresCluster> {
  const bin = findPostgresBin();
  if (!bin) throw new Error("PostgreSQL binaries not found (install Debian's postgresql package)");
  // initdb refuses to run as root; in containers tests often do, so run the server as `postgres`.
  const asUser = process.getuid?.() === 0 ? "postgres" : null;
  const dir = mkdtempSync(join(tmpdir(), "shipledger-pg-"));
  if (asUser) {
    const id = spawnSync("id", ["-u", asUser], { encoding: "utf8" });
    const gid = spawnSync("id", ["-g", asUser], { encoding: "utf8" });
    chownSync(dir, Number(id.stdout.trim()), Number(gid.stdout.trim()));
  }
  const data = join(dir, "data");
  const log = join(dir, "log");
  run(join(bin, "initdb"), ["-D", data, "-U", "shipledger", "--auth=trust", "-E", "UTF8", "--no-sync"], asUser);
  const fast = durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
  let port = 0;
  const start = () => {
    const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir}${fast} -c max_connections=200`;
    run(join(bin, "pg_ctl"), ["-D", data, "-o", options, "-l", log, "-w", "-t", "60", "start"], asUser);
  };
  // Postgres must be told its port: another process may take the free one before it binds it,
  // and then it is started again on another.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    const logged = existsSync(log) ? readFileSync(log, "utf8").length : 0;
    try {
      start();
      break;
    } catch (error) {
      const taken = existsSync(log) && /could not bind/i.test(readFileSync(log, "utf8").slice(logged));
      if (!taken || attempt === 5) throw error;
    }
  }
  return {
    url: `postgres://shipledger@127.0.0.1:${port}/postgres`,
    pause() {
      run(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], asUser);
    },
    resume: start,
    stop() {
      try {
        run(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], asUser);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
