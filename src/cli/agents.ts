// `shipledger agents` lists the catalogue the attribution engine reads (agents, their markers and
// where each can sit, the generic trailer conventions); `shipledger explain` shows, for one commit
// (a sha in a local repository, or a message file), how its message splits, what each piece of
// evidence matched and where, what was seen and not counted and why, and the verdict.

import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { AGENTS, GENERIC_CONVENTIONS, type MarkerMatch } from "../attribution/agents.js";
import { attributeCommit } from "../attribution/attribute.js";
import { type RecordEvidence, withRecords } from "../attribution/records.js";
import { splitMessage } from "../attribution/trailers.js";
import type { CommitAttribution } from "../attribution/types.js";
import { DEFAULT_ATTRIBUTION_OPTIONS } from "../config/attribution-defaults.js";
import { decodeCommits, type GitCommit, type Records } from "../git/objects.js";
import { firstFatalLine, readGitLogRecords, runGit } from "./git-log.js";
import { CliError, type CliIO } from "./io.js";
import { RecordSource } from "./record-source.js";
import { gitEnv, loadConfig } from "./scan.js";

export const agentsUsage = `Usage:
  shipledger agents [--json]
      The agents Shipledger recognises, each marker with where it can sit, and the generic
      trailer conventions (Assisted-by:, Generated-by:, …).
  shipledger explain (<sha> [--repo PATH] | --message FILE|-) [--config FILE] [--json]
      How one commit is attributed: its subject, body and trailers as git splits them, each piece
      of evidence (marker, where, matched text, model, session), what was seen and not counted
      (and why), and the verdict. A sha is read from the repository at --repo (default: here),
      as \`scan\` reads it, with its agent records (git-ai and Agent Trace notes, traces.jsonl);
      --message reads a message alone from a file, or from standard input with \`-\`;
      --config as for \`scan\`.
`;

function parse<T extends NonNullable<ParseArgsConfig["options"]>>(command: string, argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(`${command}: ${(error as Error).message}\n${agentsUsage}`, 2);
  }
}

/** What a marker looks for, in a few words; `where`: where the marker can sit (subject, branch…). */
function describeMatch(match: MarkerMatch, where: readonly string[]): string {
  switch (match.kind) {
    case "identity": {
      const parts = [
        ...(match.emails ?? []).map((e) => `<${e}>`),
        ...(match.names ?? []).map((n) => `name ${n}`),
        ...(match.logins ?? []).map((l) => `@${l}`),
      ];
      return `identity ${parts.join(", ")}`;
    }
    case "trailer":
      return `trailer ${match.keys.join("/")}: ${match.values.join(" | ")}`;
    case "session-trailer":
      return `trailer ${match.keys.join("/")}: <session link or id>`;
    case "session-link":
      return "a session link";
    case "session-branch":
      return "a session id in the branch name";
    case "text":
      return `text "${match.phrases.join('" | "')}"${match.startsLine ? " starting a line" : ""}`;
    case "prefix":
      return `${where.join(" or ")} starts with "${match.prefixes.join('" | "')}"`;
  }
}

export async function agentsCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse("agents", argv, {
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.stdout(agentsUsage);
    return 0;
  }
  if (positionals.length > 0) throw new CliError(`agents: unexpected ${positionals.join(" ")}\n${agentsUsage}`, 2);
  if (values.json) {
    const agents = AGENTS.map((a) => ({
      id: a.id,
      name: a.name,
      aliases: a.aliases,
      markers: a.markers.map((m) => ({ id: m.id, where: m.where, match: m.match, description: m.description })),
    }));
    io.stdout(`${JSON.stringify({ agents, generic: GENERIC_CONVENTIONS }, null, 2)}\n`);
    return 0;
  }
  const lines: string[] = [];
  for (const agent of AGENTS) {
    lines.push(`${agent.name} (${agent.id})`);
    for (const marker of agent.markers) {
      lines.push(`  ${marker.id}  [${marker.where.join(", ")}]`);
      lines.push(`      ${marker.description}`);
      lines.push(`      looks for: ${describeMatch(marker.match, marker.where)}`);
    }
  }
  lines.push("", "Generic conventions (any agent, or a model named alone)");
  for (const c of GENERIC_CONVENTIONS) lines.push(`  ${c.id}  ${c.description}`);
  io.stdout(`${lines.join("\n")}\n`);
  return 0;
}

export async function explainCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse("explain", argv, {
    repo: { type: "string" },
    message: { type: "string" },
    config: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.stdout(agentsUsage);
    return 0;
  }
  if ((positionals.length === 1) === (values.message !== undefined) || positionals.length > 1) {
    throw new CliError(`explain: give a commit sha or --message FILE (one of them)\n${agentsUsage}`, 2);
  }
  const options =
    values.config === undefined ? DEFAULT_ATTRIBUTION_OPTIONS : await loadConfig(values.config, io, "explain");
  const { commit, records }: { commit: Explained; records: readonly RecordEvidence[] | undefined } =
    values.message !== undefined
      ? {
          commit: {
            sha: null,
            file: values.message,
            message: await readMessage(values.message, io),
            author: { name: "", email: "" },
          },
          records: undefined,
        }
      : await readCommit(resolve(io.cwd, values.repo ?? "."), positionals[0] as string, gitEnv(io.env));
  const split = splitMessage(commit.message);
  // A message alone is attributed as git's null object (forty zeros): no commit.
  const attributed = attributeCommit({ ...commit, sha: commit.sha ?? "0".repeat(40) }, options, split);
  const attribution = records ? withRecords(attributed, records, options.attribution.disableMarkers) : attributed;
  if (values.json) {
    const { sha, file, author, committer, truncated } = commit;
    const shown =
      sha === null
        ? { message: file }
        : { sha, author, ...(committer ? { committer } : {}), ...(truncated ? { truncated } : {}) };
    io.stdout(`${JSON.stringify({ ...shown, split, attribution }, null, 2)}\n`);
    return 0;
  }
  io.stdout(formatExplanation(commit, split, attribution));
  return 0;
}

/** The commit explain reads: from a repository (a GitCommit), or a message file's text alone (no sha). */
type Explained = Pick<GitCommit, "message"> & {
  sha: string | null;
  /** The message file, as given (`-`: standard input). */
  file?: string;
  author: { name: string; email: string };
  committer?: { name: string; email: string };
  truncated?: boolean;
};

async function readMessage(file: string, io: CliIO): Promise<string> {
  if (file === "-") {
    if (!io.readStdin) throw new CliError("explain: --message -: there is no standard input to read");
    return io.readStdin();
  }
  const path = resolve(io.cwd, file);
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new CliError(`explain: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
}

/**
 * A commit of a local repository, read as `scan` reads it (its raw object through `git cat-file`,
 * which no configuration of the user's or the repository's changes: no signature checked, no
 * re-encoding, the same limits), with its agent records: git-ai and Agent Trace notes, and the
 * records of `.agent-trace/traces.jsonl` written at it or at its parent before it was committed.
 * (`scan` gives a record written at a commit to the commit's child when the child was made
 * after it; explain, reading one commit, does not know its children.)
 */
async function readCommit(
  repository: string,
  rev: string,
  env: NodeJS.ProcessEnv,
): Promise<{ commit: GitCommit; records: readonly RecordEvidence[] | undefined }> {
  if (rev === "" || rev.startsWith("-")) throw new CliError(`explain: "${rev}" is not a commit`, 2);
  const resolved = await runGit(
    ["-C", repository, "rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`],
    env,
  ).catch((error: Error) => {
    throw new CliError(`explain: ${error.message}`);
  });
  if (resolved.code !== 0) {
    // git's own words name ".git", not the directory given (or the current one).
    if (/not a git repository/i.test(resolved.stderr))
      throw new CliError(`explain: ${repository} is not a git repository`);
    throw new CliError(`explain: ${firstFatalLine(resolved.stderr) ?? `no commit ${rev} in ${repository}`}`);
  }
  const sha = resolved.stdout.trim();
  const opening = RecordSource.open(repository, env);
  opening.catch(() => {}); // awaited below
  let read: Records | undefined;
  try {
    // `<sha>^!`: the commit alone, none of its parents.
    for await (const records of readGitLogRecords({ repository, revs: [`${sha}^!`], env })) read = records;
  } catch (error) {
    throw new CliError(`explain: ${(error as Error).message}`);
  }
  const commit = read ? decodeCommits(read)[0] : undefined;
  const source = await opening;
  try {
    if (!read || !commit) throw new CliError(`explain: git gave no commit for ${rev}`);
    if (!source) return { commit, records: undefined };
    const texts = await source.notesFor([read]);
    return { commit, records: source.recordsFor([commit], texts).get(commit.sha) };
  } finally {
    source?.close();
  }
}

/**
 * Text of a commit's (an author's) as it is shown on a terminal: control characters (C0 but tab,
 * DEL, C1) and the bidirectional overrides that can reorder what is shown are written as escapes,
 * so that a message cannot move the cursor, clear the screen, retitle the window or hide the lines
 * after it.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const UNPRINTABLE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function formatExplanation(commit: Explained, split: ReturnType<typeof splitMessage>, a: CommitAttribution): string {
  const person = (p: { name: string; email: string }) => printable(`${p.name} <${p.email}>`);
  const lines = [
    commit.sha !== null
      ? `commit ${commit.sha}`
      : `message ${commit.file === "-" ? "(standard input)" : printable(commit.file ?? "")}`,
  ];
  if (commit.author.email) lines.push(`author ${person(commit.author)}`);
  if (commit.committer?.email) lines.push(`committer ${person(commit.committer)}`);
  if (commit.truncated) {
    lines.push("truncated: the message is longer than a scan reads; its middle was left out, as `scan` leaves it");
  }
  lines.push(`subject: ${printable(split.subject)}`);
  lines.push(
    split.trailers.length === 0
      ? "trailers: none (git finds no trailer block at the end of the message)"
      : `trailers (${split.trailers.length}, as git reads them):`,
  );
  for (const t of split.trailers) lines.push(`  ${printable(`${t.key}: ${t.value}`)}`);
  lines.push("");
  if (a.evidence.length === 0)
    lines.push("evidence: none — no marker of the catalogue matched (`shipledger agents` lists them)");
  else lines.push(`evidence (${a.evidence.length}):`);
  for (const e of a.evidence) {
    const section = e.squashed ? ` (in squashed commit "${printable(e.squashed)}")` : "";
    lines.push(`  ${e.marker}  in ${e.source}${section}: "${printable(e.text)}"`);
    const extra = [
      e.model ? `model ${e.model}` : null,
      e.session ? `session ${e.session.id}${e.session.url ? ` (${e.session.url})` : ""}` : null,
    ].filter(Boolean);
    if (extra.length > 0) lines.push(`      ${printable(extra.join(", "))}`);
  }
  if (a.lines) lines.push(`lines: AI wrote ${a.lines.ai} of ${a.lines.total} recorded lines (${a.lines.mixed} mixed)`);
  if (a.ignored.length > 0) {
    lines.push(`seen and not counted (${a.ignored.length}):`);
    // JSON escapes the C0 controls, not C1 or the bidi overrides: printable() does.
    for (const i of a.ignored) lines.push(`  ${printable(JSON.stringify(i))}`);
  }
  lines.push("");
  lines.push(
    a.ai
      ? `verdict: AI-assisted (${printable(`${a.agents.join(", ")}${a.models.length > 0 ? `; ${a.models.join(", ")}` : ""}`)})`
      : "verdict: not AI-assisted",
  );
  return `${lines.join("\n")}\n`;
}
