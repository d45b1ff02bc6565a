// What a deployment ships, from commits already read: a bounded graph of commits (sha → parents,
// and the commit's message and author when read) that answers "base...head" as GitHub's compare
// does, but only when the answer is exact, and null otherwise (the caller then asks GitHub).
// A backfill reads the deploying branch's history once and settles every deployment from it,
// instead of one compare call per deployment.
//
// Commits come in two ways:
// - `addHistory`: a walk of a branch's history back to a time (GitHub's `history(since:)`): every
//   commit of the branch newer than the cut. What lies below the cut (the walk's parents it did not
//   read, and everything they reach) is older than every walked commit, so it holds none of them.
// - `addCommits`: listed commits (a pull request's own commits, its merge commit), with their
//   parents; nothing is known of what lies below them.
//
// Exactness. Both ends are walked together, newest (highest level) first, each commit marked with
// the ends that reach it, until every commit still queued is reached from both (the rest of the
// history is common). A commit reached from head only is ahead, from base only behind. An unknown
// commit reached from one end only makes the answer null (its ancestry could be on the other side),
// and so does reaching, or leaving queued, an unknown commit not below a walk's cut: a commit
// whose ancestry is unknown may hold any known commit, so no known commit could be placed. Below a
// cut, unknown commits hold no known commit; this assumes what git history gives: commit dates
// grow along a branch, and a pull request's own commits are not in its base branch's history.
// An ahead commit whose message is not known also makes the answer null (a caller records unknown
// commits from it).

import type { Comparison, RangeCommit } from "../../deployments/types.js";

/** A commit with its parents (all of them, unless `partial`), and its description when read. */
export interface GraphCommit {
  sha: string;
  parents: readonly string[];
  /** Some parents are missing (a merge of more parents than were read): nothing under it is trusted. */
  partial?: boolean;
  message?: string;
  author?: RangeCommit["author"];
  authoredAt?: number | null;
}

/** The most commits a graph holds by default; beyond it the graph refuses commits and answers null. */
export const MAX_GRAPH_COMMITS = 200_000;

interface Node {
  parents: readonly string[];
  partial: boolean;
  walked: boolean;
  data: Pick<RangeCommit, "message" | "author" | "authoredAt"> | null;
}

/** What every comparison reads, computed again only after commits were added. */
interface Derived {
  /** 1 + the highest level of a known parent (an unknown parent counts 0): parents are always lower. */
  level: Map<string, number>;
  /** Commits (known or not) below a walk's cut. */
  belowCut: Set<string>;
  /** Known commits whose ancestry reaches an unknown commit that is not below a cut. */
  hidden: Set<string>;
}

const BASE = 1;
const HEAD = 2;
const BOTH = 3;

export class CommitGraph {
  readonly maxCommits: number;
  readonly #nodes = new Map<string, Node>();
  #derived: Derived | null = null;
  #overflowed = false;

  constructor(options: { maxCommits?: number } = {}) {
    this.maxCommits = options.maxCommits ?? MAX_GRAPH_COMMITS;
  }

  /** How many commits the graph knows. */
  get size(): number {
    return this.#nodes.size;
  }

  /** True once a commit was refused for want of room: from then on every comparison is null. */
  get overflowed(): boolean {
    return this.#overflowed;
  }

  has(sha: string): boolean {
    return this.#nodes.has(sha.toLowerCase());
  }

  /**
   * Commits of one walk of a branch's history, from its tip back to a time: every commit of the
   * branch newer than that time, each with all its parents. Returns how many were new.
   */
  addHistory(commits: Iterable<GraphCommit>): number {
    return this.#add(commits, true);
  }

  /**
   * Listed commits, each with all its parents: a pull request's own commits and its merge commit.
   * They answer comparisons only above a walk's cut (see the file's comment). Returns how many were new.
   */
  addCommits(commits: Iterable<GraphCommit>): number {
    return this.#add(commits, false);
  }

  #add(commits: Iterable<GraphCommit>, walked: boolean): number {
    let added = 0;
    for (const commit of commits) {
      const sha = commit.sha.toLowerCase();
      const data =
        commit.message === undefined || commit.author === undefined
          ? null
          : { message: commit.message, author: commit.author, authoredAt: commit.authoredAt ?? null };
      const known = this.#nodes.get(sha);
      if (known) {
        if (known.data === null && data !== null) known.data = data;
        if (walked && !known.walked) {
          known.walked = true;
          this.#derived = null;
        }
        continue;
      }
      if (this.#nodes.size >= this.maxCommits) {
        this.#overflowed = true;
        continue;
      }
      const parents = commit.parents.map((p) => p.toLowerCase());
      this.#nodes.set(sha, { parents, partial: commit.partial === true, walked, data });
      this.#derived = null;
      added++;
    }
    return added;
  }

  /**
   * How `head` relates to `base`, with the commits head has that base has not (oldest first), as
   * GitHub's compare `base...head` answers; null unless the graph knows the answer exactly.
   */
  compare(baseSha: string, headSha: string): Comparison | null {
    if (this.#overflowed) return null;
    const base = baseSha.toLowerCase();
    const head = headSha.toLowerCase();
    if (base === head)
      return { status: "identical", aheadBy: 0, behindBy: 0, commits: [], via: "graph", complete: true };
    const derived = this.#derive();
    const levelOf = (sha: string) => derived.level.get(sha) ?? 0;

    const flags = new Map<string, number>();
    const popped = new Set<string>();
    const queue = new MaxHeap();
    let single = 0; // queued commits reached from one end only
    /** False when the answer cannot be exact. */
    const reach = (sha: string, flag: number): boolean => {
      const had = flags.get(sha) ?? 0;
      if ((had | flag) === had) return true;
      // Parents are always lower than their children: nothing reaches a commit once it is processed.
      if (popped.has(sha)) return false;
      if (had === 0) {
        if (!this.#nodes.has(sha) && !derived.belowCut.has(sha)) return false;
        queue.push(levelOf(sha), sha);
        single++;
      }
      flags.set(sha, had | flag);
      if ((had | flag) === BOTH) single--;
      return true;
    };
    if (!reach(base, BASE) || !reach(head, HEAD)) return null;

    const ahead: string[] = [];
    const behind: string[] = [];
    while (single > 0) {
      const sha = queue.pop() as string;
      popped.add(sha);
      const flag = flags.get(sha) as number;
      if (flag !== BOTH) single--;
      const node = this.#nodes.get(sha);
      // An unknown commit (below a cut) reached from one end only: it may be the other's too.
      if (!node) {
        if (flag !== BOTH) return null;
        continue;
      }
      if (node.partial) return null;
      if (flag === HEAD) ahead.push(sha);
      else if (flag === BASE) behind.push(sha);
      for (const parent of node.parents) if (!reach(parent, flag)) return null;
    }
    // What is left is common to both ends, unless an unknown commit under it could hide some of it.
    for (const sha of queue.items()) if (derived.hidden.has(sha)) return null;

    const commits: RangeCommit[] = [];
    for (const sha of ahead.reverse()) {
      const node = this.#nodes.get(sha) as Node;
      if (node.data === null) return null;
      commits.push({ sha, parents: [...node.parents], ...node.data });
    }
    const status = ahead.length === 0 ? "behind" : behind.length === 0 ? "ahead" : "diverged";
    return { status, aheadBy: ahead.length, behindBy: behind.length, commits, via: "graph", complete: true };
  }

  #derive(): Derived {
    if (this.#derived) return this.#derived;
    const nodes = this.#nodes;
    // Below the cut: the walks' parents they did not walk, and everything those reach.
    const belowCut = new Set<string>();
    const down: string[] = [];
    for (const node of nodes.values()) {
      if (!node.walked) continue;
      for (const parent of node.parents) {
        if (nodes.get(parent)?.walked || belowCut.has(parent)) continue;
        belowCut.add(parent);
        down.push(parent);
      }
    }
    while (down.length > 0) {
      const sha = down.pop() as string;
      for (const parent of nodes.get(sha)?.parents ?? []) {
        if (nodes.get(parent)?.walked || belowCut.has(parent)) continue;
        belowCut.add(parent);
        down.push(parent);
      }
    }
    // Levels and hidden commits, parents first: a depth-first walk without recursion (histories
    // are long chains). A parent still on the walk's path is a cycle, not a git history: nothing
    // under it is trusted.
    const level = new Map<string, number>();
    const hidden = new Set<string>();
    const onPath = new Set<string>();
    for (const start of nodes.keys()) {
      if (level.has(start)) continue;
      const stack: Array<{ sha: string; next: number }> = [{ sha: start, next: 0 }];
      onPath.add(start);
      while (stack.length > 0) {
        const frame = stack[stack.length - 1] as { sha: string; next: number };
        const node = nodes.get(frame.sha) as Node;
        if (frame.next < node.parents.length) {
          const parent = node.parents[frame.next++] as string;
          if (nodes.has(parent) && !level.has(parent) && !onPath.has(parent)) {
            onPath.add(parent);
            stack.push({ sha: parent, next: 0 });
          }
          continue;
        }
        let top = 0;
        let hides = node.partial;
        for (const parent of node.parents) {
          const parentLevel = level.get(parent);
          if (nodes.has(parent) ? parentLevel === undefined || hidden.has(parent) : !belowCut.has(parent)) hides = true;
          top = Math.max(top, parentLevel ?? 0);
        }
        level.set(frame.sha, top + 1);
        if (hides) hidden.add(frame.sha);
        onPath.delete(frame.sha);
        stack.pop();
      }
    }
    this.#derived = { level, belowCut, hidden };
    return this.#derived;
  }
}

/** A binary heap of shas, highest level first (ties by sha, for a stable order). */
class MaxHeap {
  readonly #levels: number[] = [];
  readonly #shas: string[] = [];

  push(level: number, sha: string): void {
    this.#levels.push(level);
    this.#shas.push(sha);
    let i = this.#levels.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!this.#before(i, up)) break;
      this.#swap(i, up);
      i = up;
    }
  }

  pop(): string | undefined {
    const top = this.#shas[0];
    const last = this.#levels.length - 1;
    if (last < 0) return undefined;
    this.#swap(0, last);
    this.#levels.pop();
    this.#shas.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < last && this.#before(l, best)) best = l;
      if (r < last && this.#before(r, best)) best = r;
      if (best === i) return top;
      this.#swap(i, best);
      i = best;
    }
  }

  items(): readonly string[] {
    return this.#shas;
  }

  #before(a: number, b: number): boolean {
    const la = this.#levels[a] as number;
    const lb = this.#levels[b] as number;
    return la > lb || (la === lb && (this.#shas[a] as string) > (this.#shas[b] as string));
  }

  #swap(a: number, b: number): void {
    [this.#levels[a], this.#levels[b]] = [this.#levels[b] as number, this.#levels[a] as number];
    [this.#shas[a], this.#shas[b]] = [this.#shas[b] as string, this.#shas[a] as string];
  }
}
