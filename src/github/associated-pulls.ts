import type { ProbotOctokit } from "probot";

export interface AssociatedPull {
  number: number;
  merged: boolean;
  /** Still open: its commits are not a change yet, whatever deployed them. */
  open: boolean;
  mergeCommitSha: string | null;
  baseRef: string;
}

/** Shas asked about in one GraphQL query (each is an aliased field). */
export const ASSOCIATED_BATCH = 50;
const SHA = /^[0-9a-f]{40}$/;

interface ObjectNode {
  oid?: string;
  associatedPullRequests?: {
    nodes: Array<{
      number: number;
      state: "OPEN" | "CLOSED" | "MERGED";
      merged: boolean;
      mergeCommit: { oid: string } | null;
      baseRefName: string;
    } | null>;
  };
}

/**
 * The pull requests each commit belongs to, in batches of 50 commits per GraphQL query (for
 * commits a deployment ships that the ledger has not seen: merged before installation, or a
 * missed delivery).
 */
export async function findAssociatedPulls(
  octokit: ProbotOctokit,
  repo: { owner: string; repo: string },
  shas: string[],
): Promise<Map<string, AssociatedPull[]>> {
  const found = new Map<string, AssociatedPull[]>();
  const valid = shas.filter((sha) => SHA.test(sha));
  for (let i = 0; i < valid.length; i += ASSOCIATED_BATCH) {
    const batch = valid.slice(i, i + ASSOCIATED_BATCH);
    // The shas are checked to be 40 hex digits above, so inlining them cannot inject anything.
    const fields = batch
      .map(
        (sha, j) =>
          `c${j}: object(oid: "${sha}") { ... on Commit { oid associatedPullRequests(first: 5) { nodes { number state merged mergeCommit { oid } baseRefName } } } }`,
      )
      .join("\n");
    const data: { repository: Record<string, ObjectNode | null> | null } = await octokit.graphql(
      `query ($owner: String!, $repo: String!) { repository(owner: $owner, name: $repo) {\n${fields}\n} }`,
      repo,
    );
    batch.forEach((sha, j) => {
      const node = data.repository?.[`c${j}`];
      const pulls = (node?.associatedPullRequests?.nodes ?? [])
        .filter((p): p is NonNullable<typeof p> => p !== null)
        .map((p) => ({
          number: p.number,
          merged: p.merged,
          open: p.state === "OPEN",
          mergeCommitSha: p.mergeCommit?.oid ?? null,
          baseRef: p.baseRefName,
        }));
      found.set(sha, pulls);
    });
  }
  return found;
}
