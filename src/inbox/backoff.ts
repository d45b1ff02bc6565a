export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
}

/**
 * When to try a delivery again after its `attempts`-th failure, or null when it has had all its
 * attempts. Exponential (base × 2^(n-1)) with "equal jitter" so that a burst of failures (GitHub
 * down for a minute) does not come back as one burst. `random` is in [0, 1).
 */
export function nextAttemptAt(attempts: number, now: number, policy: BackoffPolicy, random: number): number | null {
  if (attempts >= policy.maxAttempts) return null;
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  return now + Math.round(exponential / 2 + (exponential / 2) * random);
}
