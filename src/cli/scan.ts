// `shipledger scan`: attributes every commit of a local repository's history, streaming.
//
// Memory stays flat on any history: records come in batches from `git log` (git-log.ts), each
// batch is attributed (scan-batch.ts) and written out (jsonl) or folded into counts
// (scan-report.ts), then dropped.

import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import type { AttributionOptions } from "../attribution/attribute.js";
import { DEFAULT_ATTRIBUTION_OPTIONS } from "../config/attribution-defaults.js";
import { decodeCommits, type Records } from "../git/objects.js";
import { firstFatalLine, GitLogError, readGitLogRecords, runGit } from "./git-log.js";
import { CliError, type CliIO } from "./io.js";
import { RecordSource } from "./record-source.js";
import type { ScanFormat } from "./scan-batch.js";
import { formatSummary, ScanSummary } from "./scan-report.js";

export const scanUsage = `Usage:
  shipledger scan [PATH] [--rev RANGE]... [--format table|json|jsonl] [--config FILE]
      Attributes AI assistance on every commit of a local git repository (default: the current
      directory, HEAD). --rev takes what git log takes: a branch, A..B, A...B, ^A.
      table (default): a summary by agent, model and month.
      json: the same summary as one JSON document (no per-commit list: use jsonl).
      jsonl: one JSON object per commit (sha, parents, author, committer, trailers as git reports
      them, ai, agents, models, sessions, evidence, ignored), newest first.
      --config reads a .github/shipledger.yml-style file (YAML, or JSON if it ends in .json).
`;

const formats: readonly ScanFormat[] = ["table", "json", "jsonl"];

/** Output is handed to stdout in batches of about this many characters. */
const OUTPUT_BATCH = 256 * 1024;
/** Progress on a terminal: first shown after, then refreshed every, this many milliseconds. */
const PROGRESS_DELAY = 500;
const PROGRESS_INTERVAL = 250;
/** With agent records: git's output is taken in groups of at most this many commits and bytes. */
const RECORD_GROUP = 2048;
const RECORD_GROUP_BYTES = 256 * 1024;
/** With agent records: groups whose notes are asked for before the oldest is attributed. */
const NOTES_AHEAD = 2;

/**
 * V8 allocates the objects of an allocation site straight into the old generation once a young
 * collection finds nearly all of the site's recent objects alive ("pretenuring"). In a scan, where
 * every object lives for one batch, that is a matter of when a collection falls: about one scan of
 * 100,000 commits in four had the decision made, and its old generation then grew by 2 MB a
 * collection until a full one (peak RSS 155–163 MB against 110–115 MB; none in 24 scans without
 * pretenuring, and no change in speed above the noise). A V8 setting, so for the whole process:
 * the CLI runs one command.
 */
function keepShortLivedObjectsYoung(): void {
  setFlagsFromString("--no-allocation-site-pretenuring");
}

export async function scanCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(argv, {
    rev: { type: "string", multiple: true },
    format: { type: "string" },
    config: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.stdout(scanUsage);
    return 0;
  }
  if (positionals.length > 1) throw new CliError(`scan: give at most one repository path\n${scanUsage}`, 2);
  const format = (values.format ?? "table") as ScanFormat;
  if (!formats.includes(format)) {
    throw new CliError(`scan: --format "${values.format}" is not one of ${formats.join(", ")}`, 2);
  }
  const revs = values.rev ?? [];
  for (const rev of revs) {
    if (rev === "" || rev.startsWith("-")) throw new CliError(`scan: --rev "${rev}" is not a revision or range`, 2);
  }
  const options = values.config === undefined ? DEFAULT_ATTRIBUTION_OPTIONS : await loadConfig(values.config, io);
  keepShortLivedObjectsYoung();

  const repository = resolve(io.cwd, positionals[0] ?? ".");
  await checkDirectory(repository);
  const env = gitEnv(io.env);
  const summary = new ScanSummary(repository, revs.length > 0 ? revs : ["HEAD"]);
  const out = new Output(io);
  const progress = io.isTTY ? new Progress(io) : null;
  // The engine is loaded while git starts (the loop's first step spawns it): both take tens of ms.
  const engine = import("./scan-batch.js");
  engine.catch(() => {}); // awaited below; a failing git must not leave it unhandled
  // Agent records (git-ai notes, Agent Trace): one git asks whether there are any, and lists them,
  // while the history's gits start; the first batch waits for the answer.
  const opening = RecordSource.open(repository, env);
  opening.catch(() => {}); // awaited below
  let agentRecords: RecordSource | null = null;
  let opened = false;
  const openRecords = async () => {
    if (opened) return agentRecords;
    opened = true;
    agentRecords = await opening;
    if (agentRecords) summary.setRecordSource(agentRecords.info);
    return agentRecords;
  };
  try {
    try {
      let scan: ScanRecords | null = null;
      let commits = 0;
      // With agent records, git's output is taken in groups of a quarter of a megabyte: one
      // request to git for a group's notes (a round trip costs more than the notes), sent as the
      // group is complete and answered while the groups before it are attributed, batch by batch as
      // without records. Groups are kept as git's bytes, not decoded commits, so that what waits
      // does not outlive the young generation's collections.
      let group: Records[] = [];
      let groupBytes = 0;
      let groupCommits = 0;
      const requested: { batches: Records[]; texts: Promise<Map<string, string>> }[] = [];
      /** Writes out a batch's lines; false when the reader went away. */
      const emit = async (batch: Uint8Array[], count: number): Promise<boolean> => {
        for (const lines of batch) out.write(lines);
        commits += count;
        progress?.update(commits);
        if (out.size >= OUTPUT_BATCH) {
          await out.flush();
          if (out.closed) return false; // the reader went away (`scan | head`): stop quietly
        }
        return true;
      };
      /**
       * Asks for the notes of the group just taken, then attributes the groups asked for before it
       * beyond the NOTES_AHEAD latest (all of them when `last`).
       */
      const nextGroup = async (source: RecordSource, last = false): Promise<boolean> => {
        if (group.length > 0) {
          const texts = source.notesFor(group);
          texts.catch(() => {}); // awaited below, unless an earlier group's failure ends the scan first
          requested.push({ batches: group, texts });
        }
        group = [];
        groupBytes = 0;
        groupCommits = 0;
        const { scanCommits } = await engine;
        while (requested.length > (last ? 0 : NOTES_AHEAD)) {
          const oldest = requested.shift() as (typeof requested)[number];
          const texts = await oldest.texts;
          for (const records of oldest.batches) {
            const decoded = decodeCommits(records);
            const found = source.recordsFor(decoded, texts);
            const batch = scanCommits(decoded, records.bytes.length, format, options, summary, found);
            if (!(await emit(batch, decoded.length))) return false;
            // git's output is read while a group is attributed; otherwise git fills the pipe at
            // once and waits, and the next group is read only as fast as git makes it (0.45–0.75 s
            // of waiting in a scan of 100,000 commits).
            await nextTurn();
          }
        }
        return true;
      };
      let failure: unknown = null;
      try {
        for await (const records of readGitLogRecords({ repository, revs: summary.revs, env })) {
          scan ??= (await engine).scanRecords;
          const source = await openRecords();
          if (source) {
            group.push(records);
            groupBytes += records.bytes.length;
            groupCommits += records.ends.length;
            if (groupCommits < RECORD_GROUP && groupBytes < RECORD_GROUP_BYTES) continue;
            if (!(await nextGroup(source))) break;
          } else if (!(await emit(scan(records, format, options, summary), records.ends.length))) break;
        }
      } catch (error) {
        failure = error;
      }
      // The groups asked for, then the last one taken: also when git failed, so that what was
      // read before is written, as without records (unless the reader went away).
      const source = await openRecords();
      if (source && !out.closed && (failure === null || failure instanceof GitLogError)) {
        await nextGroup(source, true);
      }
      if (failure !== null) throw failure;
    } catch (error) {
      progress?.clear();
      await out.flush(); // what was read before git failed
      if (!(error instanceof GitLogError)) throw error;
      // Asked only now: a scan that works does not pay for these git commands.
      if (!(await isEmptyHistory(error, repository, revs, env))) throw gitLogFailure(error, repository, summary.revs);
      await openRecords();
    }
    progress?.clear();
    if (format === "json") out.write(`${JSON.stringify(summary.toJSON(), null, 2)}\n`);
    if (format === "table") out.write(formatSummary(summary.toJSON()));
    await out.flush();
    return 0;
  } finally {
    (await opening.catch(() => null))?.close();
    out.release();
  }
}

type ScanRecords = typeof import("./scan-batch.js").scanRecords;

/**
 * The only variables of our own environment that git is given: where to find programs, the user's
 * own configuration (which files, never extra settings) and the locale and time zone. Everything
 * else stays out: LD_PRELOAD and friends (code loaded into git), GIT_CONFIG_COUNT/KEY/VALUE and
 * GIT_CONFIG_PARAMETERS (settings such as core.fsmonitor or an alias), GIT_TRACE* (files written
 * anywhere), GIT_DIR and the like (another repository than the one given, as a git hook sets them).
 */
const GIT_ENV_ALLOWED = new Set(["PATH", "HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_NOSYSTEM", "LANG", "TZ"]);

export function gitEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && (GIT_ENV_ALLOWED.has(name) || name.startsWith("LC_"))) result[name] = value;
  }
  // Git's messages are matched below; the C locale keeps them in English. What the scan itself
  // adds for speed (GIT_FLUSH, the stdbuf preload) is added by git-log.ts.
  result.LC_ALL = "C";
  return result;
}

function parse<T extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(`scan: ${(error as Error).message}\n${scanUsage}`, 2);
  }
}

/** The attribution options of a `--config` file, for `command` (scan, explain). */
export async function loadConfig(file: string, io: CliIO, command = "scan"): Promise<AttributionOptions> {
  const path = resolve(io.cwd, file);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      `${command}: --config ${file}: ${code === "ENOENT" ? "no such file" : (error as Error).message}`,
      2,
    );
  }
  let raw: unknown;
  try {
    if (/\.json$/i.test(file)) raw = JSON.parse(text);
    else {
      // Probot's own YAML parser (it reads .github/*.yml with it); loaded only when needed.
      const yaml = await import("yaml");
      raw = yaml.parse(text);
    }
  } catch (error) {
    const reason = ((error as Error).message.split("\n")[0] ?? "").trim();
    throw new CliError(
      `${command}: --config ${file}: not valid ${/\.json$/i.test(file) ? "JSON" : "YAML"}: ${reason}`,
      2,
    );
  }
  // zod (behind the schema) is loaded only for a config file: a plain scan starts without it.
  const { parseRepoConfig } = await import("../config/repo-config.js");
  const { config, errors } = parseRepoConfig(raw);
  if (errors.length > 0)
    throw new CliError(`${command}: --config ${file}: ${errors.map((e) => e.message).join("; ")}`, 2);
  return config;
}

async function checkDirectory(repository: string): Promise<void> {
  try {
    if (!(await stat(repository)).isDirectory()) throw new CliError(`scan: ${repository} is not a directory`);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`scan: ${repository} does not exist`);
  }
}

/**
 * After `git log` failed: true when that is only because the repository has no commits yet (an
 * unborn HEAD, no range given), which is an empty scan; a CliError with one clear line when the
 * directory is not a git repository at all.
 */
async function isEmptyHistory(
  error: GitLogError,
  repository: string,
  revs: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<boolean> {
  if (error.commitsRead > 0 || error.exitCode === null) return false;
  const gitDir = await runGitOrFail(["-C", repository, "rev-parse", "--git-dir"], env);
  if (gitDir.code !== 0) {
    if (/not a git repository/i.test(gitDir.stderr)) throw new CliError(`scan: ${repository} is not a git repository`);
    throw new CliError(`scan: git: ${firstFatalLine(gitDir.stderr) ?? `rev-parse exited with ${gitDir.code}`}`);
  }
  if (revs.length > 0) return false;
  const head = await runGitOrFail(["-C", repository, "rev-parse", "-q", "--verify", "HEAD^{commit}"], env);
  return head.code !== 0;
}

async function runGitOrFail(args: string[], env: NodeJS.ProcessEnv) {
  try {
    return await runGit(args, env);
  } catch (error) {
    throw new CliError(`scan: ${(error as Error).message}`);
  }
}

const BAD_REVISION =
  /bad revision|unknown revision|ambiguous argument|invalid (object name|revision range)|bad object/i;

function gitLogFailure(error: GitLogError, repository: string, revs: readonly string[]): CliError {
  if (error.commitsRead === 0 && BAD_REVISION.test(error.stderr)) {
    return new CliError(`scan: no such revision or range "${revs.join(" ")}" in ${repository}`);
  }
  if (error.exitCode === null) return new CliError(`scan: ${error.message}`); // git could not be run, or was killed
  return new CliError(`scan: git log failed: ${error.message}`);
}

/**
 * Batches output and respects backpressure. CliIO's stdout is fire-and-forget, so the only pipe
 * that can back up is the process's own stdout: when it has more queued than its high-water mark,
 * wait for it to drain (git, unread meanwhile, blocks on its own pipe). A reader that goes away
 * (EPIPE) ends the scan quietly.
 */
class Output {
  private parts: (string | Uint8Array)[] = [];
  size = 0;
  closed = false;
  private readonly onError = (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") this.closed = true;
  };

  constructor(private readonly io: CliIO) {
    process.stdout.on("error", this.onError);
  }

  write(text: string | Uint8Array): void {
    if (text.length === 0) return;
    this.parts.push(text);
    this.size += text.length;
  }

  async flush(): Promise<void> {
    if (this.size === 0 || this.closed) return;
    const parts = this.parts;
    this.parts = [];
    this.size = 0;
    // jsonl comes as UTF-8 bytes (scan-batch.ts), the summaries as text.
    if (parts.every((part) => typeof part === "string")) this.io.stdout(parts.join(""));
    else for (const part of parts) this.io.stdout(part);
    const stdout = process.stdout;
    if (!stdout.writableNeedDrain || stdout.destroyed) return;
    await new Promise<void>((done) => {
      const finish = () => {
        stdout.off("drain", finish);
        stdout.off("close", finish);
        stdout.off("error", finish);
        done();
      };
      stdout.on("drain", finish);
      stdout.on("close", finish);
      stdout.on("error", finish);
    });
  }

  release(): void {
    process.stdout.off("error", this.onError);
  }
}

/** `scan: 12345 commits…` on the terminal's stderr, rewritten in place; only for long scans. */
class Progress {
  private readonly start: number;
  private last = 0;
  private shown = false;

  constructor(private readonly io: CliIO) {
    this.start = io.now();
  }

  update(commits: number): void {
    const now = this.io.now();
    if (now - this.start < PROGRESS_DELAY || now - this.last < PROGRESS_INTERVAL) return;
    this.last = now;
    this.shown = true;
    this.io.stderr(`\rscan: ${commits} commits…`);
  }

  clear(): void {
    if (this.shown) this.io.stderr("\r\u001b[K");
  }
}
