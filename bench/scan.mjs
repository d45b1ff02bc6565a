// Benchmark of `shipledger scan` against `git log` itself, on generated histories of 100,000
// commits: `synthetic` (short messages, a third with AI markers) and `gitgit` (messages shaped like
// git.git's: lengths, trailers, prose), both with git-ai notes and Agent Trace records.
// Run with `npm run bench` (builds dist/ first when it is stale). See bench/README.md.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { commitMessages } from "./messages.mjs";
import { gitGitMessages } from "./messages-gitgit.mjs";
import { seeded } from "./random.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The CLI to time; another build (to compare two versions) can be given. */
const cli = process.env.BENCH_CLI ?? join(root, "dist/src/cli/main.js");
const COMMITS = Number(process.env.BENCH_COMMITS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PROFILES = (process.env.BENCH_PROFILE ?? "gitgit,synthetic").split(",").filter(Boolean);
/** Bump when the generator changes, so a cached repository is rebuilt. */
const GENERATOR_VERSION = 2;
const TARGET_RATIO = 1.5;
const TARGET_RSS_MB = 150;
const availableCores = availableParallelism();

const work = join(root, "bench/.work");
// The machine's git configuration must not change what either side does.
const env = {
  PATH: process.env.PATH,
  HOME: work,
  XDG_CONFIG_HOME: work,
  GIT_CONFIG_NOSYSTEM: "1",
  LC_ALL: "C",
};

// ---- deterministic, realistic histories ----------------------------------------------------------

/**
 * The commits of a profile, one at a time: author and committer (`Name <email>`), the seconds
 * between the author's and the committer's dates, the message, and whether it merges an older
 * commit. Each profile has its own seeded source, so one does not change the other.
 */
const profiles = {
  synthetic() {
    const rng = seeded(20260101);
    const { pick, between } = rng;
    const { commitFor } = commitMessages(rng);
    let time = Date.UTC(2023, 0, 2) / 1000;
    return (i) => {
      // The draws in the order of the first version of this bench: the same repository.
      time += between(60, 1800);
      const { author, message } = commitFor(i);
      const zone = pick(["+0000", "+0100", "-0500", "+0530", "+0900"]);
      const merge = i > 100 && i % 40 === 0 ? i - between(2, 90) : null;
      return { author, authorTime: time, committer: author, time, zone, message, merge };
    };
  },
  gitgit() {
    const rng = seeded(20051205);
    const { pick, between, random } = rng;
    const { commitFor } = gitGitMessages(rng);
    let time = Date.UTC(2014, 0, 6) / 1000;
    // git.git: about one commit in eight merges a topic; patches are written days before they land.
    return (i) => {
      time += between(30, 3600);
      const merge = i > 100 && random() < 0.125 ? i - between(2, 60) : null;
      const { author, committer, message } = commitFor(merge !== null);
      const zone = pick(["-0700", "-0800", "+0100", "+0200", "-0400", "+0530", "+0800", "+0900"]);
      const authorTime = committer === author ? time : time - between(600, 20 * 86400);
      const name = ([n, e]) => `${n} <${e}>`;
      return { author: name(author), authorTime, committer: name(committer), time, zone, message, merge };
    };
  },
};

function generate(profile, repo) {
  const commitAt = profiles[profile]();
  rmSync(repo, { recursive: true, force: true });
  mkdirSync(repo, { recursive: true });
  run("git", ["init", "-q", "-b", "main", repo]);
  console.error(`bench: generating ${COMMITS} ${profile} commits in ${repo} (git fast-import)…`);
  const started = performance.now();
  const { write, end } = fastImport(repo);
  return (async () => {
    for (let i = 1; i <= COMMITS; i++) {
      const { author, authorTime, committer, time, zone, message, merge } = commitAt(i);
      const data = Buffer.from(message);
      const record = `commit refs/heads/main\nmark :${i}\nauthor ${author} ${authorTime} ${zone}\ncommitter ${committer} ${time} ${zone}\ndata ${data.length}\n`;
      const tail = [];
      if (i > 1) tail.push(`from :${i - 1}`);
      // A merge now and then, of an older commit (a second parent already in the history).
      if (merge !== null) tail.push(`merge :${merge}`);
      tail.push(`M 644 inline src/module-${i % 97}.ts`, `data <<EOF\nexport const revision = ${i};\nEOF`);
      await write(Buffer.from(record), data, Buffer.from(`\n${tail.join("\n")}\n\n`));
    }
    await end();
    await addRecords(repo);
    // Repositories with history this long have a commit graph (git gc, git fetch write one).
    run("git", ["-C", repo, "commit-graph", "write", "--reachable"]);
    writeFileSync(join(repo, ".git/shipledger-bench"), `${GENERATOR_VERSION} ${COMMITS}\n`);
    console.error(`bench: generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  })();
}

/** A `git fast-import` of `repo`: write() buffers, end() waits for git. */
function fastImport(repo) {
  const child = spawn("git", ["-C", repo, "fast-import", "--quiet"], { env, stdio: ["pipe", "inherit", "inherit"] });
  const done = new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`git fast-import exited with ${code}`))));
  });
  const chunks = [];
  let size = 0;
  const flush = async () => {
    if (!child.stdin.write(Buffer.concat(chunks))) await new Promise((r) => child.stdin.once("drain", r));
    chunks.length = 0;
    size = 0;
  };
  return {
    async write(...parts) {
      for (const part of parts) {
        chunks.push(typeof part === "string" ? Buffer.from(part) : part);
        size += part.length;
      }
      if (size > 1 << 20) await flush();
    },
    async end() {
      await flush();
      child.stdin.end();
      await done;
    },
  };
}

// ---- agent records: git-ai notes, Agent Trace notes and traces.jsonl ------------------------------

/**
 * Agent records for a share of the history, in the formats the tools write (the examples of
 * test/fixtures/records/examples.ts): git-ai notes under refs/notes/ai on 7% of the commits (AI
 * sessions, legacy prompts, or humans only), Agent Trace notes under refs/notes/agent-trace on 1%,
 * and `.agent-trace/traces.jsonl`, committed on top, with a record for 3%: two thirds as the
 * reference hook writes them (at the parent, before the commit), a third at the commit itself, a
 * few human-only; and two lines that are not records. What was written goes to
 * `.git/shipledger-bench-records.json`, to print beside what the scan found.
 */
async function addRecords(repo) {
  const { random, pick, between, hex } = seeded(20261207);
  const history = run("git", ["-C", repo, "log", "--reverse", "--format=%H %ct %P"])
    .trim()
    .split("\n")
    .map((line) => {
      const [sha, time, ...parents] = line.split(" ");
      return { sha, time: Number(time), parents };
    });
  const TOOLS = [
    ["cursor", "claude-sonnet-4-5-20250514"],
    ["claude", "claude-opus-4-5-20251101"],
    ["codex", "gpt-5-codex"],
    ["github-copilot", "gpt-4o"],
    ["windsurf", "swe-1"],
  ];
  const files = () => {
    const list = [];
    for (let n = between(1, 4); n > 0; n--) list.push(`src/module-${between(0, 96)}.ts`);
    return list;
  };
  const ranges = () => {
    const out = [];
    let line = between(1, 40);
    for (let n = between(1, 4); n > 0; n--) {
      const end = line + between(0, 30);
      out.push(end === line ? `${line}` : `${line}-${end}`);
      line = end + between(2, 40);
    }
    return out.join(",");
  };
  const human = () => ({ [`h_${hex(14)}`]: { author: "Dev <dev@example.com>" } });
  function gitAiNote(base, kind) {
    const lines = [];
    const meta = { schema_version: "authorship/3.0.0", git_ai_version: "1.4.5", base_commit_sha: base };
    if (kind === "human") {
      const humans = human();
      const [key] = Object.keys(humans);
      for (const path of files()) lines.push(path, `  ${key} ${ranges()}`);
      return `${lines.join("\n")}\n---\n${JSON.stringify({ ...meta, prompts: {}, humans, sessions: {} }, null, 2)}`;
    }
    const [tool, model] = pick(TOOLS);
    const key = kind === "sessions" ? `s_${hex(14)}` : hex(16);
    const humans = human();
    const [humanKey] = Object.keys(humans);
    for (const path of files()) {
      lines.push(path.includes(" ") ? `"${path}"` : path);
      lines.push(kind === "sessions" ? `  ${key}::t_${hex(14)} ${ranges()}` : `  ${key} ${ranges()}`);
      if (random() < 0.3) lines.push(`  ${humanKey} ${ranges()}`);
    }
    const agent = { agent_id: { tool, id: `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`, model } };
    const json =
      kind === "sessions"
        ? { ...meta, prompts: {}, humans, sessions: { [key]: { ...agent, human_author: "dev@example.com" } } }
        : {
            ...meta,
            prompts: {
              [key]: { ...agent, human_author: "Dev <dev@example.com>", total_additions: 25, accepted_lines: 20 },
            },
          };
    return `${lines.join("\n")}\n---\n${JSON.stringify(json, null, 2)}`;
  }
  function traceRecord(revision, time, ai) {
    const [tool, model] = pick(TOOLS);
    return {
      version: "0.1.0",
      id: `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`,
      timestamp: new Date(time * 1000).toISOString(),
      vcs: { type: "git", revision },
      tool: { name: tool === "claude" ? "claude-code" : tool },
      files: files().map((path) => ({
        path,
        conversations: [
          ai
            ? {
                url: `https://api.example.com/v1/conversations/${hex(12)}`,
                contributor: { type: "ai", model_id: `vendor/${model}` },
                ranges: [{ start_line: between(1, 50), end_line: between(51, 120) }],
              }
            : { contributor: { type: "human" }, ranges: [{ start_line: 1, end_line: between(2, 40) }] },
        ],
      })),
      metadata: { session_id: `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}` },
    };
  }

  const written = { gitAiNotes: 0, gitAiAiNotes: 0, agentTraceNotes: 0, traceRecords: 0, traceAiRecords: 0 };
  const notes = [];
  const traceNotes = [];
  const traces = [];
  for (const commit of history) {
    if (random() < 0.07) {
      const r = random();
      const kind = r < 0.6 ? "sessions" : r < 0.85 ? "legacy" : "human";
      notes.push([commit.sha, gitAiNote(commit.sha, kind)]);
      written.gitAiNotes++;
      if (kind !== "human") written.gitAiAiNotes++;
    }
    if (random() < 0.01) {
      traceNotes.push([commit.sha, JSON.stringify(traceRecord(commit.sha, commit.time - 60, true), null, 2)]);
      written.agentTraceNotes++;
    }
    if (random() < 0.03) {
      const ai = random() < 0.9;
      const atParent = commit.parents.length > 0 && random() < 2 / 3;
      const record = atParent
        ? traceRecord(commit.parents[0], commit.time - between(30, 3000), ai)
        : traceRecord(commit.sha, commit.time + between(0, 600), ai);
      traces.push(JSON.stringify(record));
      written.traceRecords++;
      if (ai) written.traceAiRecords++;
    }
  }
  traces.splice(Math.floor(traces.length / 2), 0, "not a record", "{}");
  const head = history.at(-1);
  const { write, end } = fastImport(repo);
  const traceFile = Buffer.from(`${traces.join("\n")}\n`);
  const message = "Keep the agent traces\n";
  const when = `${head.time + 60} +0000`;
  await write(
    `commit refs/heads/main\nauthor Dev <dev@example.com> ${when}\ncommitter Dev <dev@example.com> ${when}\n`,
    `data ${message.length}\n${message}from ${head.sha}\nM 644 inline .agent-trace/traces.jsonl\ndata ${traceFile.length}\n`,
    traceFile,
    "\n\n",
  );
  for (const [ref, list] of [
    ["refs/notes/ai", notes],
    ["refs/notes/agent-trace", traceNotes],
  ]) {
    const note = "Notes added by 'git notes add'\n";
    await write(`commit ${ref}\ncommitter Dev <dev@example.com> ${when}\ndata ${note.length}\n${note}`);
    for (const [sha, text] of list) {
      const data = Buffer.from(text);
      await write(`N inline ${sha}\ndata ${data.length}\n`, data, "\n");
    }
    await write("\n");
  }
  await end();
  writeFileSync(join(repo, ".git/shipledger-bench-records.json"), `${JSON.stringify(written)}\n`);
}

function run(command, args) {
  const result = spawnSync(command, args, { env, encoding: "utf8", maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")}: ${result.stderr || result.error}`);
  return result.stdout;
}

// ---- measuring -------------------------------------------------------------------------------------

const devNull = openSync("/dev/null", "w");
const hasTimeV = existsSync("/usr/bin/time") && spawnSync("/usr/bin/time", ["-v", "true"]).status === 0;

/**
 * Wall time (ms), CPU time (user + system, ms; null without GNU time) and peak RSS (MB, of the
 * process and its children) of one run, stdout to /dev/null.
 */
function measure(command, args) {
  if (hasTimeV) {
    const started = performance.now();
    const result = spawnSync("/usr/bin/time", ["-v", command, ...args], {
      env,
      stdio: ["ignore", devNull, "pipe"],
      encoding: "utf8",
    });
    const ms = performance.now() - started;
    if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${result.stderr}`);
    const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)?.[1]);
    const seconds = (label) => Number(new RegExp(`${label} time \\(seconds\\): ([\\d.]+)`).exec(result.stderr)?.[1]);
    return { ms, cpuMs: (seconds("User") + seconds("System")) * 1000, rssMb: kb / 1024 };
  }
  return measureWithSampler(command, args);
}

/** Without GNU time: poll /proc/PID/status for VmHWM (the process's own peak). */
async function measureWithSampler(command, args) {
  const started = performance.now();
  const child = spawn(command, args, { env, stdio: ["ignore", devNull, "inherit"] });
  let peakKb = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
    } catch {}
  };
  const timer = setInterval(sample, 5);
  const code = await new Promise((resolve) => child.on("close", resolve));
  clearInterval(timer);
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${code}`);
  return { ms: performance.now() - started, cpuMs: null, rssMb: peakKb / 1024 };
}

/** Bytes a command writes to stdout, counted as they stream by. */
async function outputSize(command, args) {
  const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "inherit"] });
  let bytes = 0;
  for await (const chunk of child.stdout) bytes += chunk.length;
  return bytes;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * The messages of `repo` as a corpus: byte length quantiles (as `git log --format=%B` gives each,
 * its final newline included) and trailer lines per commit of the kinds git.git uses.
 */
async function corpus(repo) {
  const child = spawn("git", ["-C", repo, "log", "-z", "--format=%B"], { env, stdio: ["ignore", "pipe", "inherit"] });
  const lengths = [];
  const trailers = new Map();
  let pending = [];
  const TRAILER =
    /^(Signed-off-by|Helped-by|Reported-by|Acked-by|Reviewed-by|Mentored-by|Suggested-by|Based-on-patch-by|Assisted-by|Co-authored-by): /gim;
  const finish = (message) => {
    lengths.push(message.length);
    for (const match of message.toString("latin1").matchAll(TRAILER)) {
      const key = match[1].toLowerCase();
      trailers.set(key, (trailers.get(key) ?? 0) + 1);
    }
  };
  for await (const chunk of child.stdout) {
    let start = 0;
    for (let nul = chunk.indexOf(0); nul !== -1; nul = chunk.indexOf(0, start)) {
      pending.push(chunk.subarray(start, nul));
      finish(Buffer.concat(pending));
      pending = [];
      start = nul + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  lengths.sort((a, b) => a - b);
  const q = (p) => lengths[Math.min(lengths.length - 1, Math.floor(p * lengths.length))];
  const mean = lengths.reduce((a, b) => a + b, 0) / lengths.length;
  return { median: q(0.5), mean, p90: q(0.9), p99: q(0.99), max: lengths.at(-1), count: lengths.length, trailers };
}

/**
 * One scan's jsonl, read through: how many commits it attributed from each kind of record, and
 * the output's sha-256 (the same build and repository always give the same; two builds that
 * attribute alike give the same).
 */
async function scanOutput(repo) {
  const child = spawn(process.execPath, [cli, "scan", repo, "--format", "jsonl"], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const hash = createHash("sha256");
  const found = { commits: 0, ai: 0, gitAiAi: 0, agentTraceAi: 0 };
  let rest = "";
  const count = (line) => {
    const record = JSON.parse(line);
    found.commits++;
    if (record.ai) found.ai++;
    const sources = new Set(record.evidence.map((e) => e.source));
    if (sources.has("git-ai")) found.gitAiAi++;
    if (sources.has("agent-trace")) found.agentTraceAi++;
  };
  for await (const chunk of child.stdout) {
    hash.update(chunk);
    const text = rest + chunk.toString("utf8");
    const lines = text.split("\n");
    rest = lines.pop();
    for (const line of lines) count(line);
  }
  return { found, sha256: hash.digest("hex") };
}

/** The scan's own summary of the records (`--format json`). */
function recordSummary(repo) {
  const summary = JSON.parse(run(process.execPath, [cli, "scan", repo, "--format", "json"]));
  return summary.agentRecords ?? null;
}

// ---- main -------------------------------------------------------------------------------------------

if (!existsSync(cli)) {
  console.error(`bench: ${cli} is missing; run npm run build (npm run bench does)`);
  process.exit(1);
}
mkdirSync(work, { recursive: true });
const results = [];
for (const profile of PROFILES) {
  if (!profiles[profile]) {
    console.error(`bench: BENCH_PROFILE: no profile "${profile}" (${Object.keys(profiles).join(", ")})`);
    process.exit(2);
  }
  results.push(await bench(profile));
}
if (results.length > 1) {
  console.log("\nsummary:");
  for (const r of results) {
    console.log(
      `  ${r.profile.padEnd(9)} ratio ${r.ratio.toFixed(2)}x wall, ${r.cpuRatio == null ? "-" : r.cpuRatio.toFixed(2)}x CPU; peak RSS ${r.rss.toFixed(1)} MB`,
    );
  }
}
if (results.some((r) => r.ratio > TARGET_RATIO || r.rss >= TARGET_RSS_MB)) {
  console.log("bench: target missed");
  process.exitCode = 1;
}

async function bench(profile) {
  const repo = join(work, `repo-${profile}-${COMMITS}`);
  const stamp = join(repo, ".git/shipledger-bench");
  if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== `${GENERATOR_VERSION} ${COMMITS}\n`) {
    await generate(profile, repo);
  }
  const count = Number(run("git", ["-C", repo, "rev-list", "--count", "HEAD"]).trim());
  const bytes = await outputSize("git", ["-C", repo, "log", "--format=%H%x00%B"]);
  console.log(`\n== profile ${profile} ==`);
  console.log(`bench: ${repo}: ${count} commits, ${(bytes / 1e6).toFixed(1)} MB of git log output`);
  const c = await corpus(repo);
  const perCommit = (key) => ((c.trailers.get(key) ?? 0) / c.count).toFixed(3);
  console.log(
    `messages (bytes): median ${c.median}, mean ${c.mean.toFixed(0)}, p90 ${c.p90}, p99 ${c.p99}, max ${c.max}`,
  );
  console.log(
    `trailer lines per commit: Signed-off-by ${perCommit("signed-off-by")}, Helped-by ${perCommit("helped-by")}, ` +
      `Reported-by ${perCommit("reported-by")}, Reviewed-by ${perCommit("reviewed-by")}, Acked-by ${perCommit("acked-by")}, ` +
      `Assisted-by ${perCommit("assisted-by")}, Co-authored-by ${perCommit("co-authored-by")}`,
  );
  const written = JSON.parse(readFileSync(join(repo, ".git/shipledger-bench-records.json"), "utf8"));
  const records = recordSummary(repo);
  const { found, sha256 } = await scanOutput(repo);
  console.log(
    `records written: ${written.gitAiNotes} git-ai notes (${written.gitAiAiNotes} naming an AI session or prompt), ` +
      `${written.agentTraceNotes} Agent Trace notes, ${written.traceRecords} traces.jsonl records (${written.traceAiRecords} AI) and 2 invalid lines`,
  );
  console.log(
    `records read by the scan: ${records?.gitAiNotes ?? 0} git-ai notes, ${records?.agentTraceNotes ?? 0} Agent Trace notes, ` +
      `${records?.traceFileRecords ?? 0} traces.jsonl records (${records?.traceFileInvalidLines ?? 0} invalid lines); ` +
      `${records?.commitsWithGitAi ?? 0} commits with a git-ai note, ${records?.commitsWithAgentTrace ?? 0} with Agent Trace records`,
  );
  console.log(
    `attributed from them (jsonl): ${found.gitAiAi} commits with git-ai evidence, ${found.agentTraceAi} with Agent Trace evidence; ` +
      `${found.ai} of ${found.commits} commits AI-assisted in all`,
  );
  console.log(`jsonl output sha-256: ${sha256}`);

  const loadBefore = loadavg()[0];
  const gitLog = ["git", ["-C", repo, "log", "--format=%H%x00%B"]];
  const scan = [process.execPath, [cli, "scan", repo, "--format", "jsonl"]];
  await measure(...gitLog); // warm the page cache
  await measure(...scan);
  const reference = [];
  const scans = [];
  for (let i = 0; i < RUNS; i++) {
    reference.push(await measure(...gitLog));
    scans.push(await measure(...scan));
  }
  const ms = (list) => median(list.map((r) => r.ms));
  const cpuMs = (list) => (list[0]?.cpuMs == null ? null : median(list.map((r) => r.cpuMs)));
  const rss = Math.max(...scans.map((r) => r.rssMb));
  const ratio = ms(scans) / ms(reference);
  const cpuRatio = cpuMs(scans) == null ? null : cpuMs(scans) / cpuMs(reference);
  const fmt = (list) => list.map((r) => r.ms.toFixed(0)).join(", ");
  const cpu = (list) => (cpuMs(list) == null ? "" : `, CPU ${cpuMs(list).toFixed(0)} ms`);
  console.log(
    `git log --format='%H%x00%B'    median ${ms(reference).toFixed(0)} ms${cpu(reference)}  (runs: ${fmt(reference)})`,
  );
  console.log(`shipledger scan --format jsonl  median ${ms(scans).toFixed(0)} ms${cpu(scans)}  (runs: ${fmt(scans)})`);
  const best = (list) => Math.min(...list.map((r) => r.ms));
  console.log(
    `ratio scan / git log: ${ratio.toFixed(2)}x (target <= ${TARGET_RATIO}x)` +
      (cpuRatio == null ? "" : `; CPU ${cpuRatio.toFixed(2)}x`),
  );
  // Other processes only ever add time, and more to the scan (both cores) than to git (one): the
  // best runs show what is left when they interfere least. The target stays on the medians.
  console.log(
    `ratio of the best runs: ${(best(scans) / best(reference)).toFixed(2)}x (${best(scans).toFixed(0)} / ${best(reference).toFixed(0)} ms)`,
  );
  console.log(
    `scan peak RSS: ${rss.toFixed(1)} MB (${hasTimeV ? "/usr/bin/time -v, max of node and git" : "VmHWM of node"}; target < ${TARGET_RSS_MB} MB)`,
  );
  console.log(`scan throughput: ${((count / ms(scans)) * 1000).toFixed(0)} commits/s`);
  console.log(
    `load average: ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after (these runs count; ${availableCores} cores)`,
  );
  return { profile, ratio, cpuRatio, rss };
}
