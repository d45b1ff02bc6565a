import { existsSync } from "node:fs";

/** Reads .env from the working directory, as Probot apps do; real environment variables win. */
export function loadDotEnv(path = ".env"): void {
  if (existsSync(path)) process.loadEnvFile(path);
}
