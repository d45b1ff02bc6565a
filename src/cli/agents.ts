// `shipledger agents` lists the catalogue the attribution engine reads (agents, their markers and
// where each can sit, the generic trailer conventions); `shipledger explain` shows, for one commit
// (a sha in a local repository, or a message file), how its message splits, what each piece of
// evidence matched and where, what was seen and not counted and why, and the verdict.

import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { AGENTS, GENERIC_CONVENTIONS, type MarkerMatch } from "../attribution/agents.js";
import { attributeCommit } from "../attribution/attribute.js";
import { splitMessage } from "../attribution/trailers.js";
import type { CommitAttribution } from "../attribution/types.js";
import { DEFAULT_ATTRIBUTION_OPTIONS } from "../config/attribution-defaults.js";
import { runGit } from "./git-log.js";
import { CliError, type CliIO } from "./io.js";
import { gitEnv } from "./scan.js";

export const agentsUsage = `Usage:
  shipledger agents [--json]
      The agents Shipledger recognises, each marker with where it can sit, and the generic
      trailer conventions (Assisted-by:, Generated-by:, …).
  shipledger explain (<sha> [--repo PATH] | --message FILE) [--json]
      How one commit is attributed: its subject, body and trailers as git splits them, each piece
      of evidence (marker, where, matched text, model, session), what was seen and not counted
      (and why), and the verdict. A sha is read from the repository at --repo (default: here).
`;

function parse<T extends NonNullable<ParseArgsConfig["options"]>>(command: string, argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(`${command}: ${(error as Error).message}\n${agentsUsage}`, 2);
  }
}

/** What a marker looks for, in a few words. */
function describeMatch(match: MarkerMatch): string {
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
      return `text "${match.phrases.join('" | "')}"`;
    case "prefix":
      return `subject starts with "${match.prefixes.join('" | "')}"`;
  }
}

export async function agentsCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse("agents", argv, { json: { type: "boolean" } });
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
      lines.push(`      looks for: ${describeMatch(marker.match)}`);
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
    json: { type: "boolean" },
  });
  if ((positionals.length === 1) === (values.message !== undefined) || positionals.length > 1) {
    throw new CliError(`explain: give a commit sha or --message FILE (one of them)\n${agentsUsage}`, 2);
  }
  const commit =
    values.message !== undefined
      ? {
          sha: "0".repeat(40),
          message: await readMessage(resolve(io.cwd, values.message)),
          author: { name: "", email: "" },
        }
      : await readCommit(resolve(io.cwd, values.repo ?? "."), positionals[0] as string, gitEnv(io.env));
  const attribution = attributeCommit(commit, DEFAULT_ATTRIBUTION_OPTIONS);
  const split = splitMessage(commit.message);
  if (values.json) {
    io.stdout(`${JSON.stringify({ sha: commit.sha, author: commit.author, split, attribution }, null, 2)}\n`);
    return 0;
  }
  io.stdout(formatExplanation(commit, split, attribution));
  return 0;
}

async function readMessage(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new CliError(`explain: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
}

/** A commit of a local repository: its message, author and committer, as git stores them. */
async function readCommit(repository: string, rev: string, env: NodeJS.ProcessEnv) {
  if (rev.startsWith("-")) throw new CliError(`explain: "${rev}" is not a commit`, 2);
  const format = "%H%x00%an%x00%ae%x00%cn%x00%ce%x00%B";
  const result = await runGit(
    ["-C", repository, "show", "-s", `--format=${format}`, "--end-of-options", `${rev}^{commit}`],
    env,
  ).catch((error: Error) => {
    throw new CliError(`explain: ${error.message}`);
  });
  if (result.code !== 0) {
    throw new CliError(`explain: ${result.stderr.trim().split("\n")[0] || `git could not read ${rev}`}`);
  }
  const [sha = "", an = "", ae = "", cn = "", ce = "", ...rest] = result.stdout.split("\0");
  return {
    sha,
    message: rest.join("\0").replace(/\n$/, ""),
    author: { name: an, email: ae },
    committer: { name: cn, email: ce },
  };
}

function formatExplanation(
  commit: { sha: string; author: { name: string; email: string } },
  split: ReturnType<typeof splitMessage>,
  a: CommitAttribution,
): string {
  const lines = [`commit ${commit.sha}`];
  if (commit.author.email) lines.push(`author ${commit.author.name} <${commit.author.email}>`);
  lines.push(`subject: ${split.subject}`);
  lines.push(
    split.trailers.length === 0
      ? "trailers: none (git finds no trailer block at the end of the message)"
      : `trailers (${split.trailers.length}, as git reads them):`,
  );
  for (const t of split.trailers) lines.push(`  ${t.key}: ${t.value}`);
  lines.push("");
  if (a.evidence.length === 0)
    lines.push("evidence: none — no marker of the catalogue matched (`shipledger agents` lists them)");
  else lines.push(`evidence (${a.evidence.length}):`);
  for (const e of a.evidence) {
    lines.push(`  ${e.marker}  in ${e.source}: "${e.text}"`);
    const extra = [
      e.model ? `model ${e.model}` : null,
      e.session ? `session ${e.session.id}${e.session.url ? ` (${e.session.url})` : ""}` : null,
    ].filter(Boolean);
    if (extra.length > 0) lines.push(`      ${extra.join(", ")}`);
  }
  if (a.ignored.length > 0) {
    lines.push(`seen and not counted (${a.ignored.length}):`);
    for (const i of a.ignored) lines.push(`  ${JSON.stringify(i)}`);
  }
  lines.push("");
  lines.push(
    a.ai
      ? `verdict: AI-assisted (${a.agents.join(", ")}${a.models.length > 0 ? `; ${a.models.join(", ")}` : ""})`
      : "verdict: not AI-assisted",
  );
  return `${lines.join("\n")}\n`;
}
