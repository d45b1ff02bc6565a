// What the app has read of configuration files, so that the next delivery asks GitHub "has it
// changed?" (If-None-Match: a 304 does not count against the rate limit) instead of reading it again.
// In-process and bounded; an installation's entries serve that installation only.

/** What one read of a file gave: its text, its size when too large to read, or no file (null). */
export type FileRead = string | { tooLarge: number } | null;

/** A file's place: the repository, the path in it, and the ref ("" for the default branch). */
export interface FilePlace {
  owner: string;
  repo: string;
  path: string;
  ref?: string;
}

export interface CachedRead {
  /** GitHub's ETag of the answer (sent back as If-None-Match); null for a 404, which has none. */
  etag: string | null;
  read: FileRead;
}

/** What to do before asking GitHub. */
export type CacheLookup =
  /** Nothing known: an ordinary read. */
  | { kind: "miss" }
  /** A file read before: ask with If-None-Match; on 304, use `read`. */
  | { kind: "revalidate"; etag: string; read: FileRead }
  /** No file, seen recently and no push since touched it: no request at all. */
  | { kind: "hit"; read: null };

export interface ConfigCacheOptions {
  /** Entries kept, least recently used dropped first (default 10,000). */
  maxEntries?: number;
  /**
   * Characters of file text kept, over all entries (default 16 Mi: 16 MiB of UTF-16 at most). A
   * file is at most 64 KiB (MAX_CONFIG_BYTES), so this, not the count, bounds memory when files are
   * large; real ones are a few hundred bytes, and 10,000 of them take a few MB.
   */
  maxChars?: number;
  /**
   * How long "no file" (a 404, which has no ETag to ask about) is believed without asking again
   * (default 1 hour). A push to the default branch that touches the file ends it at once; the age
   * covers what no push tells: a missed delivery, a repository the installation has just gained.
   */
  noFileMaxAgeMs?: number;
  now?: () => number;
}

export const DEFAULT_CONFIG_CACHE = { maxEntries: 10_000, maxChars: 16 * 1024 * 1024, noFileMaxAgeMs: 60 * 60_000 };

interface Entry extends CachedRead {
  installationId: number;
  repository: string;
  chars: number;
  storedAt: number;
}

/** A repository's name as a key: GitHub's owner and repository names are case-insensitive. */
const repositoryKey = (owner: string, repo: string) => `${owner}/${repo}`.toLowerCase();

const keyOf = (installationId: number, place: FilePlace) =>
  `${installationId}\u0000${repositoryKey(place.owner, place.repo)}\u0000${place.path}\u0000${place.ref ?? ""}`;

const charsOf = (read: FileRead) => (typeof read === "string" ? read.length : 0);

/**
 * Configuration reads by installation, repository, path and ref: an LRU (a Map in use order).
 * Every lookup names its installation (forInstallation), so one installation's reads never answer
 * another's, whatever the repository is called.
 */
export class ConfigReadCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #maxChars: number;
  readonly #noFileMaxAgeMs: number;
  readonly #now: () => number;
  #chars = 0;
  /** Bumped by every drop: a read that began before one is not stored (it may predate the change). */
  #generation = 0;

  constructor(options: ConfigCacheOptions = {}) {
    this.#maxEntries = options.maxEntries ?? DEFAULT_CONFIG_CACHE.maxEntries;
    this.#maxChars = options.maxChars ?? DEFAULT_CONFIG_CACHE.maxChars;
    this.#noFileMaxAgeMs = options.noFileMaxAgeMs ?? DEFAULT_CONFIG_CACHE.noFileMaxAgeMs;
    this.#now = options.now ?? Date.now;
  }

  /** The reads of one installation. */
  forInstallation(installationId: number): InstallationConfigReads {
    return new InstallationConfigReads(this, installationId);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Characters of file text held. */
  get chars(): number {
    return this.#chars;
  }

  get generation(): number {
    return this.#generation;
  }

  lookup(installationId: number, place: FilePlace): CacheLookup {
    const key = keyOf(installationId, place);
    const entry = this.#entries.get(key);
    if (!entry) return { kind: "miss" };
    // Most recently used last.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (entry.etag !== null) return { kind: "revalidate", etag: entry.etag, read: entry.read };
    if (entry.read === null && this.#now() - entry.storedAt < this.#noFileMaxAgeMs) return { kind: "hit", read: null };
    this.#remove(key);
    return { kind: "miss" };
  }

  /**
   * Keeps what a read gave. `since` is the generation when the read began: when something was
   * dropped meanwhile, the answer may be older than the drop, and is not kept. An answer with
   * neither an ETag nor "no file" is not kept: there is nothing to ask GitHub about.
   */
  store(installationId: number, place: FilePlace, read: CachedRead, since: number): void {
    if (since !== this.#generation) return;
    if (read.etag === null && read.read !== null) return;
    const chars = charsOf(read.read);
    if (chars > this.#maxChars) return;
    const key = keyOf(installationId, place);
    this.#remove(key);
    const entry: Entry = {
      ...read,
      installationId,
      repository: repositoryKey(place.owner, place.repo),
      chars,
      storedAt: this.#now(),
    };
    this.#entries.set(key, entry);
    this.#chars += chars;
    for (const [oldest] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries && this.#chars <= this.#maxChars) break;
      this.#remove(oldest);
    }
  }

  /** Forgets an installation's reads of one repository (its file changed, or may have). */
  dropRepository(installationId: number, owner: string, repo: string): void {
    this.#generation++;
    const repository = repositoryKey(owner, repo);
    for (const [key, entry] of this.#entries) {
      if (entry.installationId === installationId && entry.repository === repository) this.#remove(key);
    }
  }

  /** Forgets all of an installation's reads (its repositories or access changed). */
  dropInstallation(installationId: number): void {
    this.#generation++;
    for (const [key, entry] of this.#entries) {
      if (entry.installationId === installationId) this.#remove(key);
    }
  }

  #remove(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#chars -= entry.chars;
  }
}

/** The cache as one installation sees it: the only way a loader reaches it. */
export class InstallationConfigReads {
  constructor(
    readonly cache: ConfigReadCache,
    readonly installationId: number,
  ) {}

  lookup(place: FilePlace): CacheLookup {
    return this.cache.lookup(this.installationId, place);
  }

  /** The generation to pass to store() for a read starting now. */
  begin(): number {
    return this.cache.generation;
  }

  store(place: FilePlace, read: CachedRead, since: number): void {
    this.cache.store(this.installationId, place, read, since);
  }
}
