// Writes merged changes and deployments into a ledger through its use cases (src/ledger/), as handlers do.

import type { Evidence } from "../../src/attribution/types.js";
import { recordChange } from "../../src/ledger/record-change.js";
import { settleDeployment } from "../../src/ledger/settle-deployment.js";
import type { ChangeInputRecord, Store } from "../../src/store/types.js";

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

let shaCounter = 0;
export const freshSha = () => (++shaCounter).toString(16).padStart(40, "d");

export interface SeedChange {
  number: number;
  engineer: string | null;
  ai?: boolean;
  /** The strength of its AI evidence; explicit unless told. */
  aiEvidence?: "explicit" | "circumstantial";
  bot?: boolean;
  mergedAt: number;
  /** Hours from the first commit to the merge (lead time before production). */
  leadHours?: number;
  paths?: string[];
  /** Agent session ids its evidence names (the spend join). */
  sessions?: string[];
  /** Default merged. */
  state?: "open" | "closed" | "merged";
  /** Its agents and evidence when AI-assisted; default Claude Code, with no evidence kept. */
  agents?: string[];
  evidence?: Evidence[];
}

export async function seedRepository(
  store: Store,
  installationId: number,
  owner: string,
  repositoryId: number,
  name: string,
  now: number,
) {
  await store.installations.upsertInstallation({
    id: installationId,
    accountLogin: owner,
    accountType: "Organization",
    now,
  });
  await store.installations.upsertRepositories(
    installationId,
    [{ id: repositoryId, fullName: `${owner}/${name}`, private: false, defaultBranch: "main" }],
    now,
  );
}

/** Records a merged change; returns its merge sha. */
export async function seedChange(
  store: Store,
  installationId: number,
  repositoryId: number,
  c: SeedChange,
): Promise<string> {
  const sha = freshSha();
  const change: ChangeInputRecord = {
    installationId,
    repositoryId,
    number: c.number,
    kind: "pull_request",
    title: `Change ${c.number}`,
    authorLogin: c.engineer ?? "dependabot[bot]",
    authorType: c.bot ? "Bot" : "User",
    botChange: Boolean(c.bot),
    headRef: `branch-${c.number}`,
    headSha: sha,
    baseRef: "main",
    state: c.state ?? "merged",
    openedAt: c.mergedAt - HOUR,
    mergedAt: (c.state ?? "merged") === "merged" ? c.mergedAt : null,
    mergeCommitSha: sha,
    mergeMethod: "squash",
    engineer: c.engineer,
    firstCommitAt: c.mergedAt - (c.leadHours ?? 2) * HOUR,
    paths: c.paths ?? ["src/app.ts"],
    pathsComplete: true,
    ai: Boolean(c.ai),
    aiEvidence: c.ai ? (c.aiEvidence ?? "explicit") : null,
    agents: c.ai ? (c.agents ?? ["claude-code"]) : [],
    models: [],
    sessions: (c.sessions ?? []).map((id) => ({ agent: "claude-code", id })),
    evidence: c.evidence ?? [],
    commitsTotal: 1,
    commitsAi: c.ai ? 1 : 0,
    attributedSha: sha,
  };
  await recordChange(store, change, [], [], c.mergedAt);
  return sha;
}

/** Records a production deployment that shipped these merge shas. */
export async function seedDeployment(
  store: Store,
  installationId: number,
  repositoryId: number,
  key: string,
  at: number,
  shipped: string[],
  outcome: "ship" | "rollback" | "baseline" | "redeploy" = "ship",
  rolledBack: string[] = [],
) {
  const { deployment } = await store.deployments.upsertDeployment(
    {
      installationId,
      repositoryId,
      environment: "production",
      source: "deployment",
      sourceKey: `deployment:${key}`,
      sha: shipped.at(-1) ?? freshSha(),
      ref: "main",
      succeededAt: at,
      succeededAtExact: true,
      url: null,
    },
    at,
  );
  await settleDeployment(store, deployment.id, { outcome, previousSha: null, shipped, rolledBack }, at);
  return deployment;
}
