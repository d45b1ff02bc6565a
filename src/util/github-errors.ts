/** What went wrong in a GitHub API call, in one line fit for logs, the inbox and check summaries. */
export interface GitHubFailure {
  status: number | null;
  requestId: string | null;
  message: string;
}

interface RequestErrorLike {
  status?: unknown;
  message?: unknown;
  response?: { headers?: Record<string, unknown> };
}

/** Characters of an error message kept: a database error quotes its SQL and every parameter. */
const MAX_MESSAGE = 2_000;

/**
 * What went wrong, bounded and without secrets. `status` is null for an error that is not an
 * answer from GitHub (a database or programming error): its message is for the operator only,
 * never for a check run (see isInternalFailure).
 */
export function describeGitHubError(error: unknown): GitHubFailure {
  const e = (error ?? {}) as RequestErrorLike;
  const status = typeof e.status === "number" ? e.status : null;
  const header = e.response?.headers?.["x-github-request-id"];
  const requestId = typeof header === "string" ? header : null;
  const message = typeof e.message === "string" ? e.message : String(error);
  // Redacted before the final cut (a secret must not survive half-cut), on a bounded slice.
  return { status, requestId, message: redactSecrets(message.slice(0, 32 * MAX_MESSAGE)).slice(0, MAX_MESSAGE) };
}

/** An error of Shipledger's own (no HTTP status), whose message may quote SQL and data. */
export function isInternalFailure(failure: GitHubFailure): boolean {
  return failure.status === null;
}

export function formatGitHubFailure(failure: GitHubFailure): string {
  const parts = [failure.status === null ? "" : `HTTP ${failure.status}`, failure.message];
  if (failure.requestId) parts.push(`(GitHub request id ${failure.requestId})`);
  return parts.filter(Boolean).join(" ").slice(0, 2000);
}

/** Tokens and keys must never reach a log line or the ledger, even inside an error message. */
export function redactSecrets(text: string): string {
  return text
    .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, "[private key]")
    .replace(/\b(gh[pousr]_[A-Za-z0-9_]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g, "[token]")
    .replace(/\b(token|bearer)\s+[A-Za-z0-9._-]{20,}/gi, "$1 [token]")
    .replace(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g, "[jwt]");
}
