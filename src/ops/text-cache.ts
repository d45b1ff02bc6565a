// The last text computed for a key, served until it expires; at most one computation per key at
// a time (scrapes that arrive while it runs wait for it). A failed computation is not kept.

export class TextCache {
  readonly #entries = new Map<string, { text: string; expiresAt: number }>();
  readonly #computing = new Map<string, Promise<string>>();

  constructor(readonly ttlMs: number) {}

  async get(key: string, now: number, compute: () => Promise<string>): Promise<string> {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt > now) return entry.text;
    const running = this.#computing.get(key);
    if (running) return running;
    const computed = compute()
      .then((text) => {
        // Expired entries go as new ones come: the keys are the configured scopes, few and fixed.
        for (const [k, e] of this.#entries) if (e.expiresAt <= now) this.#entries.delete(k);
        this.#entries.set(key, { text, expiresAt: now + this.ttlMs });
        return text;
      })
      .finally(() => this.#computing.delete(key));
    this.#computing.set(key, computed);
    return computed;
  }
}
