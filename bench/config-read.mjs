// Benchmark of reading the largest `.github/shipledger.yml` a stranger may write (anyone with write
// access to a repository): a 64 KiB mapping of ~15,000 keys against a list of the same words, both
// through the loader's YAML reading (src/github/repo-config-loader.ts), and, for reference, yaml's
// own parse with its `uniqueKeys` check (what the loader did before). Run with
// `npm run bench:config` (node --import tsx: from src/ as it is). See bench/README.md.
import { cpus, loadavg } from "node:os";
import { parse as parseYaml } from "yaml";
import { MAX_CONFIG_BYTES, parseConfigYaml } from "../src/github/repo-config-loader.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/** The mapping at most this many times the list's time. */
const TARGET_RATIO = 4;

/** 1-, 2- and 3-letter words (every one a string), as many as a 64 KiB file can hold. */
function words() {
  const letters = "abcdefghijklmnopqrstuvwxyz";
  const all = [...letters];
  for (const a of letters) for (const b of letters) all.push(a + b);
  for (const a of letters) for (const b of letters) for (const c of letters) all.push(a + b + c);
  const fitting = [];
  let size = 8;
  for (const word of all) {
    size += word.length + 1;
    if (size > MAX_CONFIG_BYTES) break;
    fitting.push(word);
  }
  return fitting;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const keys = words();
const list = `x: [${keys.join(",")}]\n`;
const mapping = `x: {${keys.join(",")}}\n`;
const cases = {
  "list (loader)": () => parseConfigYaml(list),
  "mapping (loader)": () => parseConfigYaml(mapping),
  "mapping (yaml's uniqueKeys, before)": () => parseYaml(mapping, { maxAliasCount: 50, uniqueKeys: true }),
};
console.log(
  `bench: ${keys.length} keys, ${(mapping.length / 1024).toFixed(1)} KiB; ${cpus().length} cores, load average ${loadavg()[0].toFixed(2)}`,
);
const times = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let i = 0; i <= RUNS; i++) {
  for (const [name, read] of Object.entries(cases)) {
    const started = performance.now();
    const result = read();
    const ms = performance.now() - started;
    if (result && typeof result === "object" && "error" in result) throw new Error(`${name}: ${result.error}`);
    if (i > 0) times[name].push(ms); // the first alternation warms up
  }
}
for (const [name, ms] of Object.entries(times)) {
  console.log(
    `${name.padEnd(38)} median ${median(ms).toFixed(0)} ms  (runs: ${ms.map((m) => m.toFixed(0)).join(", ")})`,
  );
}
const ratio = median(times["mapping (loader)"]) / median(times["list (loader)"]);
const before = median(times["mapping (yaml's uniqueKeys, before)"]) / median(times["list (loader)"]);
console.log(
  `ratio mapping / list: ${ratio.toFixed(2)}x (target <= ${TARGET_RATIO}x); yaml's own check: ${before.toFixed(1)}x`,
);
if (ratio > TARGET_RATIO) {
  console.log("bench: target missed");
  process.exitCode = 1;
}
