import { isAbsolute, resolve } from "node:path";

export type DatabaseTarget =
  | { dialect: "sqlite"; path: string; memory: boolean }
  | { dialect: "postgres"; url: string };

export const DEFAULT_SQLITE_PATH = "data/shipledger.db";

/**
 * Reads DATABASE_URL: unset → an SQLite file under ./data/; `:memory:` → in-memory SQLite;
 * `file:PATH` or a plain path → SQLite there; `postgres://…` / `postgresql://…` → PostgreSQL.
 */
export function parseDatabaseUrl(value: string | undefined, cwd = process.cwd()): DatabaseTarget {
  const url = value?.trim() ?? "";
  if (url === "") return { dialect: "sqlite", path: resolve(cwd, DEFAULT_SQLITE_PATH), memory: false };
  if (url === ":memory:" || url === "file::memory:") return { dialect: "sqlite", path: ":memory:", memory: true };
  if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: "postgres", url };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^file:/i.test(url)) {
    throw new Error(
      `DATABASE_URL: unsupported scheme in "${redactUrl(url)}"; expected postgres://…, file:PATH, a file path or :memory:`,
    );
  }
  let path = url;
  if (/^file:\/\//i.test(path)) path = decodeURIComponent(new URL(path).pathname);
  else if (/^file:/i.test(path)) path = path.slice("file:".length);
  if (path === "") throw new Error("DATABASE_URL: file: needs a path, e.g. file:./data/shipledger.db");
  return { dialect: "sqlite", path: isAbsolute(path) ? path : resolve(cwd, path), memory: false };
}

/**
 * A database URL fit for logs and error messages: the password is never shown, whether before the
 * host (`user:password@`) or as a parameter (`?password=…`, `sslpassword`), which libpq and pg take too.
 */
export function redactUrl(url: string): string {
  const hideParameters = (text: string) => text.replace(/([?&][^=&#]*password[^=&#]*=)[^&#]*/gi, "$1***");
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return hideParameters(parsed.toString());
  } catch {
    return hideParameters(url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@"));
  }
}
