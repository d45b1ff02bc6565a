// What the "Shipledger deployment" check run says on a deployed commit: pure.

import type { RepoConfig } from "../config/repo-config.js";
import type { ChangeRecord, DeploymentRecord } from "../model/ledger.js";
import { agentName, type CheckRun, SUMMARY_LIMIT } from "./attribution-check.js";
import { code, escapeMarkdown, link, plural, utf8Bytes } from "./markdown.js";

export const DEPLOYMENT_CHECK_NAME = "Shipledger deployment";

export interface DeploymentCheckInput {
  repository: string;
  webUrl: string;
  deployment: DeploymentRecord;
  shipped: ChangeRecord[];
  rolledBack: ChangeRecord[];
  config: RepoConfig;
  notes: readonly string[];
  /**
   * The AI spend of the agent sessions behind the AI-assisted changes it shipped (USD), when the
   * ledger holds some and the repository's group is large enough to show it; absent otherwise.
   */
  spend?: { total: number; estimated: number } | null;
}

function changeLink(input: DeploymentCheckInput, change: ChangeRecord): string {
  const base = `${input.webUrl}/${input.repository}`;
  return change.number !== null
    ? link(`#${change.number}`, `${base}/pull/${change.number}`)
    : link(change.mergeCommitSha?.slice(0, 7) ?? "push", `${base}/commit/${change.mergeCommitSha}`);
}

const usd = (value: number) => `$${value.toFixed(2)}`;

export function renderDeploymentCheck(input: DeploymentCheckInput): CheckRun {
  const { deployment: d, shipped, rolledBack } = input;
  const ai = shipped.filter((c) => c.ai);
  const where = `${code(d.environment)} (${d.source === "deployment" ? "GitHub deployment" : d.source.replace("_", " ")})`;
  let title: string;
  const lines: string[] = [];
  switch (d.outcome) {
    case "baseline":
      if (d.previousSha !== null) {
        // Settled against a previous production commit that GitHub could not compare with it.
        title = "Baseline: not comparable with the previous production deployment";
        lines.push(
          `GitHub could not compare this deployment to ${where} with the previous production commit ${code(d.previousSha.slice(0, 7))}: the history was rewritten, or that commit is gone. It is a new baseline the next deployments are compared with, and ships nothing itself.`,
        );
        break;
      }
      title = "Baseline: first production deployment recorded";
      lines.push(
        `The first production deployment to ${where} that Shipledger knows of. It is the baseline the next deployments are compared with, and ships nothing itself: the repository's history is not counted as shipped.`,
      );
      break;
    case "redeploy":
      title = "Redeploy: nothing new shipped";
      lines.push(`This commit was already in production in ${where}; redeploying it ships nothing new.`);
      break;
    case "rollback":
      title = `Rollback: ${plural(rolledBack.length, "change")} rolled back`;
      lines.push(
        `This deployment to ${where} went back to an earlier commit${d.previousSha ? ` (from ${code(d.previousSha.slice(0, 7))})` : ""}. It ships nothing, and the changes below are counted as rolled back.`,
      );
      break;
    default:
      title = `Shipped ${plural(shipped.length, "change")} (${ai.length} AI-assisted)`;
      lines.push(
        `**${plural(shipped.length, "change")} reached production** in ${where} with this deployment; ${ai.length} of them AI-assisted.`,
      );
      if (d.outcome === "diverged") {
        lines.push(
          "",
          `> This commit is not a descendant of the previous production commit${d.previousSha ? ` ${code(d.previousSha.slice(0, 7))}` : ""}: only the commits unique to it count as shipped.`,
        );
      }
  }
  if (input.spend && input.spend.total > 0 && (d.outcome === "ship" || d.outcome === "diverged")) {
    const estimated = input.spend.estimated > 0 ? ` (${usd(input.spend.estimated)} of it estimated from tokens)` : "";
    lines.push("", `AI spend of the sessions behind this deployment: ${usd(input.spend.total)}${estimated}.`);
  }
  for (const note of input.notes) lines.push("", `> ${escapeMarkdown(note, 500)}`);

  const table = (changes: ChangeRecord[], heading: string) => {
    if (changes.length === 0) return [];
    const rows = ["", `### ${heading}`, "| Change | Title | Author | AI assistance |", "| --- | --- | --- | --- |"];
    for (const c of changes) {
      const agents = c.agents.map((id) => escapeMarkdown(agentName(id, input.config))).join(", ");
      rows.push(
        `| ${changeLink(input, c)} | ${escapeMarkdown(c.title, 80)} | ${code(c.authorLogin, 40)}${c.botChange ? " (bot)" : ""} | ${c.ai ? agents || "yes" : "—"} |`,
      );
    }
    return rows;
  };
  const footer = [
    "",
    "<sub>Shipledger counts AI-assisted changes that reach production and stay there (normalised deployments). A change counts once, for the first production deployment that ships it.</sub>",
  ];
  const body = [...lines, ...table(shipped, "Shipped"), ...table(rolledBack, "Rolled back")];
  let summary = [...body, ...footer].join("\n");
  if (utf8Bytes(summary) > SUMMARY_LIMIT) {
    // Cut between rows, then say how many were left out (GitHub counts UTF-8 bytes).
    const kept: string[] = [];
    let size = utf8Bytes(footer.join("\n")) + 200;
    for (const line of body) {
      const bytes = utf8Bytes(line) + 1;
      if (size + bytes > SUMMARY_LIMIT) break;
      kept.push(line);
      size += bytes;
    }
    summary = [
      ...kept,
      "",
      `_…and more changes not shown (GitHub limits a check summary to 65,535 bytes)._`,
      ...footer,
    ].join("\n");
  }
  return { conclusion: "neutral", output: { title, summary } };
}
