import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The project's root folder, found from this module's own location so that it is the same whether
 * the code runs from src/ (tests, tsx) or dist/src/ (npm start), and whatever the working directory.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "drizzle"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find Shipledger's package root (package.json beside drizzle/)");
    dir = parent;
  }
}
