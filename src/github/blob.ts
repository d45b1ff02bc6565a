// A blob's text through the Git Data API (`GET /repos/{owner}/{repo}/git/blobs/{sha}`), for note
// blobs and traces files too large for the contents API.
//
// Octokit parses answers with json-with-bigint. On Node 20 its fallback regex overflows the stack
// on a string of about 8 million characters (the base64 of a file of about 6 MB) and hands back
// the body as text: a traces file between 6 and 16 MB, which a check reads, came back without its
// `content`. The body is taken unparsed here and parsed by V8's JSON.parse, which has no such limit.

import type { ProbotOctokit } from "probot";

/** GitHub's answer was not a blob (a proxy's page, a changed API): a gateway's failure, retried. */
export class BadBlobAnswer extends Error {
  readonly status = 502;
  constructor(sha: string, what: string) {
    super(`GitHub's answer for blob ${sha} ${what}`);
    this.name = "BadBlobAnswer";
  }
}

/** The blob's bytes decoded as UTF-8 (git stores text as bytes; the tools write UTF-8). */
export async function blobText(
  octokit: ProbotOctokit,
  where: { owner: string; repo: string; sha: string },
): Promise<string> {
  const response = await octokit.request("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", {
    owner: where.owner,
    repo: where.repo,
    file_sha: where.sha,
    request: { parseSuccessResponseBody: false },
  });
  const body = await new Response(response.data as unknown as ReadableStream<Uint8Array> | null).text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new BadBlobAnswer(where.sha, "is not JSON");
  }
  const { content, encoding } = (parsed ?? {}) as { content?: unknown; encoding?: unknown };
  if (typeof content !== "string") throw new BadBlobAnswer(where.sha, "has no content");
  if (encoding === "base64") return Buffer.from(content, "base64").toString("utf8");
  if (encoding === "utf-8" || encoding === "utf8") return content;
  throw new BadBlobAnswer(where.sha, `has content in an unknown encoding (${String(encoding).slice(0, 40)})`);
}
