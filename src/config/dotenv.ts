import { existsSync, readFileSync } from "node:fs";

/**
 * Reads .env from the working directory, as Probot apps do; real environment variables win. A .env
 * that exists and cannot be read (another user's, mode 600; a directory) throws its read error:
 * process.loadEnvFile's own says "Contents of '.env' should be a valid string" or ENOENT.
 */
export function loadDotEnv(path = ".env"): void {
  if (!existsSync(path)) return;
  readFileSync(path);
  process.loadEnvFile(path);
}
