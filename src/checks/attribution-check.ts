// What the "AI attribution" check run says: pure, from the attribution of a change.

import { agentById } from "../attribution/agents.js";
import { READ_LIMITS } from "../attribution/limits.js";
import { evidenceStrength } from "../attribution/strength.js";
import type { ChangeAttribution, Evidence, EvidenceSource, IgnoredEvidence, Reading } from "../attribution/types.js";
import type { EffectiveSettings } from "../config/effective-settings.js";
import type { ConfigError, RepoConfig } from "../config/repo-config.js";
import { formatGitHubFailure, type GitHubFailure, isInternalFailure } from "../util/github-errors.js";
import { clipToBytes, code, escapeMarkdown, link, plural, utf8Bytes } from "./markdown.js";
import type { PolicyNotes } from "./policy.js";

export const CHECK_NAME = "AI attribution";
/** GitHub rejects a check run output summary longer than this. */
/** GitHub's limit on a check run's summary: 65,535 bytes of UTF-8 (it answers 422 past it). */
export const SUMMARY_LIMIT = 65_535;
const TITLE_LIMIT = 255;

export interface CheckOutput {
  title: string;
  summary: string;
}

export interface CheckRun {
  conclusion: "neutral" | "success";
  output: CheckOutput;
}

export interface AttributionCheckInput {
  repository: string;
  /** GitHub's web address, e.g. https://github.com (differs on GitHub Enterprise Server). */
  webUrl: string;
  change: { number: number; authorLogin: string; headRef: string };
  attribution: ChangeAttribution;
  /** Commit subjects by sha, for the per-commit table. */
  subjects: ReadonlyMap<string, string>;
  config: RepoConfig;
  configSource: string | null;
  configErrors: readonly ConfigError[];
  /** Where the settings came from (src/config/effective-settings.ts); no line when left out. */
  settings?: EffectiveSettings | undefined;
  /** Extra facts worth a line (e.g. an incomplete commit list). */
  notes: readonly string[];
  /** One line of repository context (our own text, not escaped): its figures lately. */
  context?: string | null;
  /** What the project's rules for AI contributions (`attribution.policy`) ask that commits do not do. */
  policy?: PolicyNotes | null;
}

/** An agent's display name: the catalogue's, a configured agent's, or the id. */
export function agentName(id: string, config: RepoConfig): string {
  if (id === "generic") return "Other AI";
  return agentById(id)?.name ?? config.attribution.agents.find((a) => a.id === id)?.name ?? id;
}

const SOURCE_LABEL: Record<EvidenceSource, string> = {
  trailer: "trailer",
  author: "author",
  committer: "committer",
  subject: "subject",
  body: "message body",
  "pr-author": "PR author",
  "pr-body": "PR description",
  "pr-title": "PR title",
  branch: "branch",
  label: "label",
  "agent-trace": "Agent Trace record",
  "git-ai": "git-ai note",
};

function describeEvidence(e: Evidence | IgnoredEvidence): string {
  const squashed = "squashed" in e && e.squashed !== undefined ? ` (squashed commit ${code(e.squashed, 60)})` : "";
  return `${SOURCE_LABEL[e.source]} ${code(e.text, 90)}${squashed}`;
}

const kib = (characters: number) => `${Math.round(characters / 1024)} KiB`;
const headTail = (limit: number) => `first ${kib(Math.ceil((limit * 3) / 4))} and last ${kib(Math.floor(limit / 4))}`;

/** What the engine's read limits left out (src/attribution/limits.ts), said where the author looks. */
export function readingNotes(reading: Reading): string[] {
  const notes: string[] = [];
  const { messageText, trailerValue, pullText, matchWork } = READ_LIMITS;
  if (reading.longMessages > 0) {
    const were = reading.longMessages === 1 ? "was" : "were";
    notes.push(
      `${plural(reading.longMessages, "commit message")} ${were} longer than Shipledger reads and ${were} read only in part: a subject or body longer than ${kib(messageText)} only in its ${headTail(messageText)}, a trailer longer than ${kib(trailerValue)} only in its first ${kib(trailerValue)}. Trailers are always found in the whole message.`,
    );
  }
  if (reading.longPullText) {
    notes.push(
      `The pull request's title or description is longer than ${kib(pullText)} and was read only in its ${headTail(pullText)}.`,
    );
  }
  if (reading.unsearchedMessages > 0 || reading.unsearchedPullText) {
    const where = [
      ...(reading.unsearchedPullText ? ["the pull request's title or description"] : []),
      ...(reading.unsearchedMessages > 0 ? [plural(reading.unsearchedMessages, "commit message")] : []),
    ].join(" and ");
    notes.push(
      `The phrases, link prefixes and patterns of this repository's configuration were not all tried on ${where}: trying them costs characters × patterns, and one pull request may cost ${matchWork.toLocaleString("en-US")}. The branch, labels and the built-in markers were read in full.`,
    );
  }
  return notes;
}

export function attributionTitle(input: Pick<AttributionCheckInput, "attribution" | "config" | "change">): string {
  const a = input.attribution;
  const commits = `${a.commits.ai} of ${plural(a.commits.total, "commit")}`;
  let title: string;
  if (a.ai) {
    const names = a.agents.map((id) => agentName(id, input.config)).join(", ");
    title = `AI-assisted: ${names} — ${commits}`;
  } else if (a.authorIsBot) {
    title = `Bot change (${input.change.authorLogin}): no AI assistance detected`;
  } else {
    title = "No AI assistance detected";
  }
  return title.length > TITLE_LIMIT ? `${title.slice(0, TITLE_LIMIT - 1)}…` : title;
}

/** "acme/.github:.github/shipledger.yml" → "acme/.github". */
const repositoryOf = (source: string) => source.split(":")[0] ?? source;
const fieldList = (fields: readonly string[]) => fields.map((f) => code(f)).join(", ");

/**
 * One line saying where the repository's settings came from, and which of its organisation
 * file's fields were not applied (src/config/effective-settings.ts has the rule).
 */
export function settingsLine(settings: EffectiveSettings, repository: string): string {
  const fromOrganisation = Object.entries(settings.fields)
    .filter(([, origin]) => origin === "organisation file")
    .map(([field]) => field);
  const organisation = settings.organisationFile
    ? `${code(repositoryOf(settings.organisationFile))} (organisation file)`
    : `${code(`${repository.split("/")[0] ?? ""}/.github`)}`;
  let line: string;
  if (settings.repositoryFile !== null) {
    line = `Settings: from ${code(repositoryOf(settings.repositoryFile))} (repository file)`;
    if (settings.inherits) {
      line +=
        settings.organisationFile === null
          ? `; it says ${code("inherit: organization")}, but ${organisation} has no ${code(".github/shipledger.yml")}`
          : fromOrganisation.length > 0
            ? `, and from ${organisation} for ${fieldList(fromOrganisation)} (${code("inherit: organization")})`
            : `; ${organisation} adds nothing to it`;
    }
  } else if (settings.organisationFile !== null) {
    line =
      fromOrganisation.length > 0
        ? `Settings: from ${organisation} for ${fieldList(fromOrganisation)}, the defaults otherwise`
        : `Settings: the defaults; ${organisation} sets nothing a repository takes without opting in`;
  } else {
    line = `Settings: the defaults (no ${code(".github/shipledger.yml")} here or in ${organisation})`;
  }
  const budget = settings.ignored.filter((i) => i.reason.includes("pattern budget")).map((i) => i.field);
  const others = settings.ignored.filter((i) => !i.reason.includes("pattern budget")).map((i) => i.field);
  if (others.length > 0) {
    line += `; ignored there: ${fieldList(others)} — only a repository's own file may set these (or take them with ${code("inherit: organization")})`;
  }
  if (budget.length > 0) {
    line += `; not taken from it: ${fieldList(budget)} (with this repository's file, over the attribution pattern budget)`;
  }
  return `${line}.`;
}

/** Whether the verdict rests on explicit evidence or on hints alone (src/attribution/strength.ts). */
function strengthLine(evidence: readonly Evidence[]): string {
  const explicit = evidence.filter((e) => evidenceStrength(e) === "explicit").length;
  if (explicit > 0) {
    return `Evidence: explicit (${explicit} of ${plural(evidence.length, "piece")} ${explicit === 1 ? "names" : "name"} the agent in a trailer, an identity, a session link or a record of authorship).`;
  }
  return "Evidence: circumstantial only (branch names, labels or phrases); no trailer, agent identity, session or record of authorship names the agent.";
}

/**
 * The check run for an attributed change. The summary is what a lead reads: the verdict, agents
 * and models with commit counts, sessions as links, the evidence per commit, and, when nothing
 * was found, how to mark AI assistance. It always fits GitHub's limit: the per-commit table is
 * the part that gives way, row by row, never mid-row.
 */
export function renderAttributionCheck(input: AttributionCheckInput): CheckRun {
  const a = input.attribution;
  const { config } = input;
  const name = (id: string) => agentName(id, config);
  const head: string[] = [];

  // Verdict.
  if (a.ai) {
    head.push(
      `**AI-assisted.** ${a.commits.ai} of ${plural(a.commits.total, "commit")} carry AI evidence` +
        (a.commits.ai === 0 ? ", and the pull request itself does." : "."),
    );
  } else {
    head.push(`**No AI assistance detected** in ${plural(a.commits.total, "commit")} or the pull request.`);
  }
  if (a.ai) head.push(strengthLine(a.evidence));
  if (a.authorIsAgent && a.authorAgent) {
    head.push(`Opened by ${code(input.change.authorLogin)}, the ${escapeMarkdown(name(a.authorAgent))} agent.`);
  } else if (a.authorIsBot) {
    head.push(
      `Opened by the bot ${code(input.change.authorLogin)}: recorded as a bot change, which never counts as an engineer's.`,
    );
  }
  for (const note of input.notes) head.push(`> ${escapeMarkdown(note, 500)}`);
  for (const note of readingNotes(a.reading)) head.push(`> ${note}`);
  if (input.context) head.push("", `📈 ${input.context}`);

  if (input.settings) head.push("", settingsLine(input.settings, input.repository));

  // Configuration problems are shown first: the author of the file needs to see them.
  const byFile = new Map<string, ConfigError[]>();
  for (const e of input.configErrors) {
    const file = e.file ?? input.configSource ?? ".github/shipledger.yml";
    byFile.set(file, [...(byFile.get(file) ?? []), e]);
  }
  for (const [file, errors] of byFile) {
    head.push(
      "",
      `### ⚠️ Configuration`,
      `${code(file)} has ${plural(errors.length, "problem")}; ` +
        "attribution ran with the defaults for the fields below:",
      ...errors.slice(0, 20).map((e) => `- ${code(e.message, 300)}`),
    );
    if (errors.length > 20) head.push(`- …and ${errors.length - 20} more`);
  }

  // Agents and models.
  if (a.agents.length > 0) {
    const byAgent = new Map<string, { commits: number; models: Set<string> }>();
    for (const id of a.agents) byAgent.set(id, { commits: 0, models: new Set() });
    for (const c of a.perCommit) {
      for (const id of c.agents) {
        const entry = byAgent.get(id);
        if (entry) entry.commits++;
      }
    }
    for (const e of [...a.evidence, ...a.perCommit.flatMap((c) => c.evidence)]) {
      if (e.model) byAgent.get(e.agent)?.models.add(e.model);
    }
    head.push("", "### Agents", "| Agent | Commits | Models |", "| --- | --- | --- |");
    for (const [id, entry] of byAgent) {
      const models = [...entry.models].sort().map((m) => code(m, 60));
      head.push(`| ${escapeMarkdown(name(id))} | ${entry.commits} | ${models.join(", ") || "—"} |`);
    }
  }

  // Sessions.
  if (a.sessions.length > 0) {
    head.push("", "### Agent sessions");
    for (const s of a.sessions.slice(0, 20)) {
      const label = `${name(s.agent)}: ${s.id}`;
      head.push(`- ${s.url ? link(label, s.url) : escapeMarkdown(label)}`);
    }
    if (a.sessions.length > 20) head.push(`- …and ${a.sessions.length - 20} more`);
  }

  // Agent records (git-ai notes, Agent Trace): what they add, per commit, with the lines they attribute.
  const RECORD_SOURCES = new Set<EvidenceSource>(["agent-trace", "git-ai"]);
  const recorded = a.perCommit.filter((c) => c.lines || c.evidence.some((e) => RECORD_SOURCES.has(e.source)));
  if (recorded.length > 0) {
    head.push("", "### Agent records");
    if (a.lines && a.lines.total > 0) {
      const share = ((a.lines.ai / a.lines.total) * 100).toFixed(1);
      head.push(
        `AI wrote ${a.lines.ai} of ${plural(a.lines.total, "recorded line")} (${share}%)` +
          (a.lines.mixed > 0 ? `, and ${a.lines.mixed} more with a human` : "") +
          ` in ${plural(recorded.length, "commit")} with records.`,
      );
    }
    head.push("| Commit | Record | Agents | Models | AI lines |", "| --- | --- | --- | --- | --- |");
    for (const c of recorded.slice(0, 20)) {
      const fromRecords = c.evidence.filter((e) => RECORD_SOURCES.has(e.source));
      const sources = [...new Set(fromRecords.map((e) => SOURCE_LABEL[e.source]))];
      const agents = [...new Set(fromRecords.map((e) => escapeMarkdown(name(e.agent))))];
      const models = [...new Set(fromRecords.flatMap((e) => (e.model ? [code(e.model, 60)] : [])))];
      const lines = c.lines ? `${c.lines.ai} of ${c.lines.total}` : "—";
      head.push(
        `| ${code(c.sha.slice(0, 7))} | ${sources.join(", ") || "record (no AI)"} | ${agents.join(", ") || "—"} | ${models.join(", ") || "—"} | ${lines} |`,
      );
    }
    if (recorded.length > 20) head.push(`- …and ${recorded.length - 20} more`);
  }

  // Pull-request-level evidence (author, description, branch, labels).
  const prEvidence = a.evidence.filter((e) => e.commit === undefined);
  if (prEvidence.length > 0) {
    head.push("", "### Pull request evidence");
    for (const e of prEvidence.slice(0, 20)) head.push(`- ${escapeMarkdown(name(e.agent))}: ${describeEvidence(e)}`);
  }

  // The project's rules for AI contributions: pointed out, never a verdict.
  if (input.policy) {
    head.push("", `### The ${input.policy.rules} rules for AI contributions`);
    if (input.policy.notes.length === 0) head.push("The commits follow them.");
    for (const note of input.policy.notes) head.push(`- ${note}`);
  }

  // Matches that were not counted, so that nobody wonders why.
  const ignored = [
    ...new Map(
      [...a.ignored, ...a.perCommit.flatMap((c) => c.ignored)].map((i) => [
        `${i.marker}|${i.source}|${i.commit}|${i.text}`,
        i,
      ]),
    ).values(),
  ];
  const tail: string[] = [];
  if (ignored.length > 0) {
    tail.push("", "### Not counted");
    for (const i of ignored.slice(0, 10)) {
      const where = i.commit ? ` in ${code(i.commit.slice(0, 7))}` : "";
      tail.push(`- ${describeEvidence(i)}${where}: ${escapeMarkdown(i.reason)}`);
    }
    if (ignored.length > 10) tail.push(`- …and ${ignored.length - 10} more`);
  }
  if (!a.ai) {
    tail.push(
      "",
      "### How to mark AI assistance",
      "If an AI agent helped with this change, say so in the commit message trailers (the last paragraph), for example:",
      "```",
      "Assisted-by: Claude:claude-opus-4.5",
      "Co-authored-by: Claude <noreply@anthropic.com>",
      "Agent-Session: https://claude.ai/code/session_…",
      "```",
      `\`Assisted-by: AGENT:MODEL [TOOLS]\` names the agent and model; a \`Co-authored-by\` with the agent's own e-mail and a session trailer work too. A pull request label (${config.attribution.labels.map((l) => code(l)).join(", ") || "none configured"}) marks the whole pull request.`,
    );
  }
  tail.push(
    "",
    "<sub>Informational: this check never blocks a merge. Shipledger counts AI-assisted changes that reach production and stay there; tokens, prompts and commits are never counted.</sub>",
  );

  // Per-commit table, as many rows as fit.
  const fixed = `${head.join("\n")}\n${tail.join("\n")}`;
  const rows: string[] = [];
  const tableHead = ["", "### Commits", "| Commit | Subject | Agents | Evidence |", "| --- | --- | --- | --- |"];
  let budget = SUMMARY_LIMIT - utf8Bytes(fixed) - utf8Bytes(tableHead.join("\n")) - 400;
  let shown = 0;
  for (const c of a.perCommit) {
    const short = c.sha.slice(0, 7);
    const url = `${input.webUrl}/${input.repository}/commit/${c.sha}`;
    const evidence = c.evidence.slice(0, 3).map(describeEvidence);
    if (c.evidence.length > 3) evidence.push(`+${c.evidence.length - 3} more`);
    const row = `| ${link(short, url)} | ${escapeMarkdown(input.subjects.get(c.sha) ?? "", 80)} | ${
      c.agents.map((id) => escapeMarkdown(name(id))).join(", ") || "—"
    } | ${evidence.join("<br>") || (c.authorIgnored ? "author ignored by configuration" : "—")} |`;
    const size = utf8Bytes(row) + 1;
    if (size > budget) break;
    budget -= size;
    rows.push(row);
    shown++;
  }
  const table =
    a.perCommit.length === 0
      ? []
      : [
          ...tableHead,
          ...rows,
          ...(shown < a.perCommit.length
            ? [
                "",
                `_…and ${plural(a.perCommit.length - shown, "more commit")} not shown (GitHub limits a check summary to 65,535 bytes); ${a.commits.ai} of all ${a.commits.total} carry AI evidence._`,
              ]
            : []),
        ];
  const summary = [...head, ...table, ...tail].join("\n");
  return {
    conclusion: "neutral",
    output: { title: attributionTitle(input), summary: clipToBytes(summary, SUMMARY_LIMIT) },
  };
}

/**
 * The check when evaluation failed: completed, saying what went wrong and what to do. GitHub's
 * own answers (status, message, request id) are shown; an internal error (a database or
 * programming error, no HTTP status) is not: its message quotes SQL and data, and check runs are
 * public. It names the delivery instead, for the operator to find in the log and the inbox.
 */
export function renderFailureCheck(failure: GitHubFailure, what: string, delivery: string): CheckRun {
  const title = "AI attribution could not be evaluated";
  const lead = `**Shipledger could not evaluate this pull request** while ${escapeMarkdown(what)}.`;
  const footer = "<sub>Informational: this check never blocks a merge.</sub>";
  if (isInternalFailure(failure)) {
    return {
      conclusion: "neutral",
      output: {
        title,
        summary: [
          lead,
          "",
          `Shipledger hit an internal error; the details are in the app's log (delivery ${code(delivery, 80)}).`,
          "",
          "Re-run this check; if it keeps failing, the app's operator finds the delivery and its error with `shipledger inbox`.",
          "",
          footer,
        ].join("\n"),
      },
    };
  }
  const advice =
    failure.status === 403 || failure.status === 401
      ? "Shipledger lacks access. Check that the app's installation has the permissions in its app.yml (checks: write; contents, pull_requests, deployments, actions, metadata: read) and that this repository is included in the installation."
      : failure.status === 404
        ? "GitHub could not find what Shipledger asked for; the pull request or its branch may have been deleted. Push again or re-run this check."
        : failure.status !== null && failure.status >= 500
          ? "GitHub had a problem answering. Shipledger retried; re-run this check later."
          : "Re-run this check; if it keeps failing, the app's logs and `shipledger inbox` show the delivery's error.";
  return {
    conclusion: "neutral",
    output: {
      title,
      summary: [
        lead,
        "",
        `- Error: ${code(formatGitHubFailure(failure), 500)}`,
        `- HTTP status: ${failure.status ?? "none (no answer)"}`,
        `- GitHub request id: ${failure.requestId ? code(failure.requestId) : "none"}`,
        "",
        advice,
        "",
        footer,
      ].join("\n"),
    },
  };
}
