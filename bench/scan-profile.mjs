// Where a scan's time goes: runs `node --cpu-prof dist/src/cli/main.js scan REPO --format jsonl`
// (stdout to /dev/null) and sorts the main thread's samples into the scan's stages, by the
// innermost frame of each sample that belongs to one of them. Run after `npm run bench` (which
// generates the repositories and builds dist/):
//
//   node bench/scan-profile.mjs bench/.work/repo-gitgit-100000 [runs]
//
// The profile covers node's main thread only: git (on the other core) and V8's compiler and GC
// helper threads are not in it. Under load, a thread waiting for a core is sampled where it
// stopped, so run it a few times (default 3) and read the medians.
import { spawnSync } from "node:child_process";
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = process.env.BENCH_CLI ?? join(root, "dist/src/cli/main.js");
const repository = resolve(process.argv[2] ?? join(root, "bench/.work/repo-gitgit-100000"));
const RUNS = Number(process.argv[3] ?? 3);
const work = join(root, "bench/.work");
const env = { PATH: process.env.PATH, HOME: work, XDG_CONFIG_HOME: work, GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C" };

/** Whatever runs under the agent records' code (their pipe to git included) is theirs. */
const RECORDS = [
  "agent records (record-source, git-ai, agent-trace)",
  /cli\/record-source\.js$|attribution\/(git-ai|agent-trace|records)\.js$/,
];
/** Stages by the file a frame's function is in (first match, innermost frame first). */
const STAGES = [
  ["decoding commit objects (git/objects)", /git\/(objects|dates)\.js$/],
  ["messages and trailers (attribution/trailers, git/trailers)", /attribution\/trailers\.js$|git\/trailers\.js$/],
  ["attribution (attribute, agents, sessions, squash)", /attribution\/[a-z-]+\.js$/],
  ["jsonl lines (scan-json)", /cli\/scan-json\.js$/],
  ["jsonl UTF-8 encoding and batching (scan-batch)", /cli\/scan-batch\.js$/],
  ["reading git's pipe, framing (git-log)", /cli\/git-log\.js$|node:internal\/streams|stream_base_commons|node:net$/],
  ["writing stdout, scan loop (scan)", /cli\/scan\.js$/],
];
const SPECIAL = {
  "(garbage collector)": "garbage collection (main thread's part)",
  "(idle)": "idle: waiting for git",
  "(program)": "V8 and node, not JavaScript (program)",
};
const OTHER = "start-up, module loading, other";

const devNull = openSync("/dev/null", "w");
const totals = new Map();
const runs = [];
for (let run = 0; run < RUNS; run++) {
  const dir = mkdtempSync(join(tmpdir(), "scan-profile-"));
  const started = performance.now();
  const result = spawnSync(
    process.execPath,
    ["--cpu-prof", "--cpu-prof-dir", dir, cli, "scan", repository, "--format", "jsonl"],
    {
      env,
      stdio: ["ignore", devNull, "inherit"],
    },
  );
  const wall = performance.now() - started;
  if (result.status !== 0) throw new Error(`scan exited with ${result.status}`);
  const file = readdirSync(dir).find((name) => name.endsWith(".cpuprofile"));
  const profile = JSON.parse(readFileSync(join(dir, file), "utf8"));
  rmSync(dir, { recursive: true, force: true });
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageOf = new Map();
  const classify = (id) => {
    let stage = stageOf.get(id);
    if (stage !== undefined) return stage;
    const node = byId.get(id);
    const { functionName, url } = node.callFrame;
    stage = Object.hasOwn(SPECIAL, functionName) ? SPECIAL[functionName] : undefined;
    for (let up = id; stage === undefined && up !== undefined; up = parent.get(up)) {
      if (RECORDS[1].test(byId.get(up).callFrame.url)) stage = RECORDS[0];
    }
    if (stage === undefined) {
      const found = STAGES.find(([, pattern]) => pattern.test(url));
      if (found) stage = found[0];
      else {
        const up = parent.get(id);
        stage = up === undefined ? OTHER : classify(up);
      }
    }
    stageOf.set(id, stage);
    return stage;
  };
  const ms = new Map();
  profile.samples.forEach((id, i) => {
    const stage = classify(id);
    ms.set(stage, (ms.get(stage) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  runs.push({ wall, ms });
  for (const [stage, t] of ms) totals.set(stage, [...(totals.get(stage) ?? []), t]);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const stages = [...totals.keys()];
const medians = new Map(
  stages.map((s) => [s, median([...(totals.get(s) ?? []), ...Array(RUNS - (totals.get(s) ?? []).length).fill(0)])]),
);
const busy = [...medians].filter(([s]) => s !== SPECIAL["(idle)"]).reduce((a, [, t]) => a + t, 0);
console.log(
  `${repository}: ${RUNS} profiled scans, wall ${runs.map((r) => (r.wall / 1000).toFixed(2)).join(", ")} s; load average ${loadavg()[0].toFixed(2)}`,
);
console.log(`node's main thread, medians (ms; % of the busy time, ${busy.toFixed(0)} ms):`);
for (const [stage, t] of [...medians].sort((a, b) => b[1] - a[1])) {
  const share = stage === SPECIAL["(idle)"] ? "" : `${((100 * t) / busy).toFixed(1).padStart(5)}%`;
  console.log(`  ${t.toFixed(0).padStart(6)} ms ${share.padStart(6)}  ${stage}`);
}
