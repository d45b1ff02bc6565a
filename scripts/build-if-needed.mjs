// `npm start` runs this first: compile TypeScript when dist/ is missing or older than src/.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const entry = "dist/src/server.js";
const sources = Math.max(newest("src"), statSync("tsconfig.json").mtimeMs, statSync("tsconfig.build.json").mtimeMs);
if (!existsSync(entry) || statSync(entry).mtimeMs < sources || newest("dist") < sources) {
  console.error("shipledger: building (tsc)…");
  const result = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
    stdio: "inherit",
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
