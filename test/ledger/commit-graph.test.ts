// The commit graph answers "base...head" from commits already read, only when exact: table-driven
// cases against the true history (merge commits, main merged into a branch, rebase copies it never
// read, a branch started below the walk's cut, commits listed without a walk), and a property:
// on random histories, every answer it gives is the true one.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Comparison } from "../../src/deployments/types.js";
import { CommitGraph, type GraphCommit } from "../../src/ledger/core/commit-graph.js";
import { propertyParams } from "../helpers/property.js";

/** A history: commit → parents ("m2: m1 x1"), every commit of it, known to the graph or not. */
type History = Map<string, string[]>;

function history(lines: string): History {
  const h: History = new Map();
  for (const line of lines.trim().split("\n")) {
    const [sha, parents = ""] = line.split(":").map((s) => s.trim());
    h.set(sha as string, parents.split(/\s+/).filter(Boolean));
  }
  return h;
}

const described = (h: History, sha: string): GraphCommit => ({
  sha,
  parents: h.get(sha) ?? [],
  message: `${sha}\n`,
  author: { name: "Mona", email: "mona@example.com", login: "mona" },
  authoredAt: null,
});

function ancestors(h: History, sha: string): Set<string> {
  const seen = new Set<string>();
  const stack = [sha];
  while (stack.length > 0) {
    const s = stack.pop() as string;
    if (seen.has(s)) continue;
    seen.add(s);
    stack.push(...(h.get(s) ?? []));
  }
  return seen;
}

/** GitHub's answer on the whole history: status, and the ahead and behind sets. */
function truth(h: History, base: string, head: string) {
  const a = ancestors(h, base);
  const b = ancestors(h, head);
  const ahead = [...b].filter((s) => !a.has(s)).sort();
  const behind = [...a].filter((s) => !b.has(s)).sort();
  const status =
    ahead.length === 0 && behind.length === 0
      ? "identical"
      : behind.length === 0
        ? "ahead"
        : ahead.length === 0
          ? "behind"
          : "diverged";
  return { status, ahead, behindBy: behind.length };
}

const shape = (c: Comparison) => ({
  status: c.status,
  ahead: c.commits.map((x) => x.sha).sort(),
  behindBy: c.behindBy,
});

/** The ahead commits are listed parents first, as GitHub lists them. */
function parentsFirst(c: Comparison): boolean {
  const at = new Map(c.commits.map((x, i) => [x.sha, i]));
  return c.commits.every((x, i) => x.parents.every((p) => (at.get(p) ?? -1) < i));
}

interface Case {
  name: string;
  history: string;
  /** Commits a walk of the branch read (everything newer than its cut). */
  walked?: string;
  /** Commits listed with their parents (a pull request's commits, its merge commit). */
  listed?: string;
  /** Listed without a message: known as a parent link only. */
  bare?: string;
  base: string;
  head: string;
  /** The graph's answer: the true one, or null. */
  exact: boolean;
}

// Main: z (below the cut) ← a ← b ← …; the walk read a and everything after it.
const cases: Case[] = [
  {
    name: "a linear history: the commits between",
    history: "z:\na: z\nb: a\nc: b\nd: c",
    walked: "a b c d",
    base: "b",
    head: "d",
    exact: true,
  },
  {
    name: "the first commit of the walk against its parent below the cut",
    history: "z:\na: z\nb: a",
    walked: "a b",
    base: "z",
    head: "a",
    exact: true,
  },
  {
    name: "identical (even commits the graph never read)",
    history: "z:\na: z",
    walked: "a",
    base: "q",
    head: "q",
    exact: true,
  },
  {
    name: "behind: a rollback to an ancestor",
    history: "z:\na: z\nb: a\nc: b",
    walked: "a b c",
    base: "c",
    head: "a",
    exact: true,
  },
  {
    name: "diverged: two branches off one commit",
    history: "z:\na: z\nb: a\nc: b\nd: b\ne: d",
    walked: "a b c d e",
    base: "c",
    head: "e",
    exact: true,
  },
  {
    name: "a merge commit brings its branch's commits",
    history: "z:\na: z\nx1: a\nx2: x1\nb: a\nm: b x2",
    walked: "a x1 x2 b m",
    base: "b",
    head: "m",
    exact: true,
  },
  {
    name: "main merged into a branch, then the branch merged into main",
    history: "z:\na: z\nx1: a\nb: a\nx2: x1 b\nc: b\nm: c x2",
    walked: "a x1 b x2 c m",
    base: "c",
    head: "m",
    exact: true,
  },
  {
    name: "a branch started below the cut: its base may be main's too",
    history: "y:\nz: y\na: z\nx1: y\nm: a x1",
    walked: "a x1 m",
    base: "a",
    head: "m",
    exact: false,
  },
  {
    name: "a branch started below the cut, its merge against the deployment before",
    history: "y:\nz: y\na: z\nx1: y\nm: a x1\nn: m",
    walked: "a x1 m n",
    base: "m",
    head: "n",
    exact: true,
  },
  {
    name: "rebase copies the walk did not read (main moved on after it): null",
    history: "z:\na: z\nb: a\nr1: b\nr2: r1",
    walked: "a b",
    base: "b",
    head: "r2",
    exact: false,
  },
  {
    name: "a pull request's own commits listed, its rebased copies not: null",
    history: "z:\na: z\nb: a\nx1: a\nx2: x1\nr1: b\nr2: r1",
    walked: "a b",
    listed: "x1 x2",
    base: "b",
    head: "r2",
    exact: false,
  },
  {
    name: "listed commits without a walk: their ancestry is unknown, null",
    history: "z:\ns1: z\ns2: s1\ns3: s2",
    listed: "s1 s2 s3",
    base: "s1",
    head: "s3",
    exact: false,
  },
  {
    name: "listed merge commits around a direct push never read: null, not the merge twice",
    // m ← d (a push the graph never saw) ← b5 (merge of c5); m3 merges b5 and a branch off m.
    history: "z:\nk1: z\nm: z k1\nd: m\nc5: z\nb5: d c5\nb: m\nm3: b5 b",
    listed: "k1 m c5 b5 b m3",
    base: "b5",
    head: "m3",
    exact: false,
  },
  {
    name: "the walk stops at a common commit over a parent never read: null",
    // c's parent u was never read and holds k: k is base's too, though no known path says so.
    history: "m0:\nk: m0\nk2: k\nu: k\nc: u\nh: c k2",
    listed: "m0 k k2 c h",
    base: "c",
    head: "h",
    exact: false,
  },
  {
    name: "listed commits above a walk answer with it",
    history: "z:\na: z\nb: a\nx1: b\nx2: x1\nm: b x2",
    walked: "a b",
    listed: "x1 x2 m",
    base: "b",
    head: "m",
    exact: true,
  },
  {
    name: "an ahead commit known without its message: null",
    history: "z:\na: z\nb: a\nc: b",
    walked: "a b",
    bare: "c",
    base: "b",
    head: "c",
    exact: false,
  },
  {
    name: "a base the graph never read and no walk reaches: null",
    history: "z:\na: z\nb: a\nq: z",
    walked: "a b",
    base: "q",
    head: "b",
    exact: false,
  },
];

describe("CommitGraph.compare", () => {
  for (const c of cases) {
    it(`${c.name}: ${c.exact ? "the true answer" : "null"}`, () => {
      const h = history(c.history);
      const graph = new CommitGraph();
      const words = (s?: string) => (s ?? "").split(/\s+/).filter(Boolean);
      graph.addHistory(words(c.walked).map((sha) => described(h, sha)));
      graph.addCommits(words(c.listed).map((sha) => described(h, sha)));
      graph.addCommits(words(c.bare).map((sha) => ({ sha, parents: h.get(sha) ?? [] })));
      const answer = graph.compare(c.base, c.head);
      if (!c.exact) {
        expect(answer).toBeNull();
        return;
      }
      expect(answer).not.toBeNull();
      const comparison = answer as Comparison;
      expect(shape(comparison)).toEqual(truth(h, c.base, c.head));
      expect(comparison).toMatchObject({ via: "graph", complete: true, aheadBy: comparison.commits.length });
      expect(parentsFirst(comparison)).toBe(true);
    });
  }

  it("keeps what it knows of a commit: a walk's commit listed again, a message learnt later", () => {
    const h = history("z:\na: z\nb: a");
    const graph = new CommitGraph();
    graph.addCommits([{ sha: "b", parents: ["a"] }]);
    expect(graph.addHistory([described(h, "a"), described(h, "b")])).toBe(1);
    expect(graph.compare("a", "b")?.commits.map((x) => x.message)).toEqual(["b\n"]);
    expect(graph.size).toBe(2);
  });

  it("trusts nothing under a commit whose parents were not all read", () => {
    // b is an octopus merge read with only its first parent; c and d are beside it.
    const h = history("z:\na: z\nb: a\nc: a\nd: c\ne: b");
    const graph = new CommitGraph();
    graph.addHistory(["a", "c", "d", "e"].map((s) => described(h, s)));
    graph.addHistory([{ ...described(h, "b"), partial: true }]);
    expect(graph.compare("c", "d")?.aheadBy).toBe(1);
    expect(graph.compare("a", "b")).toBeNull();
    expect(graph.compare("b", "e")).toBeNull();
  });

  it("is case-insensitive on shas", () => {
    const h = history("z:\na: z\nb: a");
    const graph = new CommitGraph();
    graph.addHistory(["a", "b"].map((s) => described(h, s)));
    expect(graph.compare("A", "B")?.commits.map((x) => x.sha)).toEqual(["b"]);
  });

  it("refuses commits beyond its size, and from then on answers null", () => {
    const h = history("z:\na: z\nb: a\nc: b");
    const graph = new CommitGraph({ maxCommits: 2 });
    expect(graph.addHistory(["a", "b", "c"].map((s) => described(h, s)))).toBe(2);
    expect(graph.overflowed).toBe(true);
    expect(graph.has("c")).toBe(false);
    expect(graph.compare("a", "b")).toBeNull();
  });

  it("answers from the commits between, not the whole history (a long chain)", () => {
    const n = 100_000;
    const sha = (i: number) => `c${i}`;
    const graph = new CommitGraph();
    graph.addHistory(
      Array.from({ length: n }, (_, i) => ({
        sha: sha(i + 1),
        parents: [sha(i)],
        message: "m",
        author: { name: "", email: "", login: null },
      })),
    );
    const started = performance.now();
    for (let i = 1; i < 2000; i++) expect(graph.compare(sha(n - i - 1), sha(n - i))?.aheadBy).toBe(1);
    expect(graph.compare(sha(1), sha(n))?.aheadBy).toBe(n - 1);
    // Levels are computed once; each comparison then walks only its range.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe("CommitGraph.compare on random histories", () => {
  /** A main branch with pushes, feature branches (merged, or merging main in), dated in order. */
  function randomHistory(ops: Array<{ op: number; pick: number }>) {
    const h: History = new Map();
    const date = new Map<string, number>();
    let n = 0;
    const commit = (parents: string[]) => {
      const sha = `s${++n}`;
      h.set(sha, parents);
      date.set(sha, n);
      return sha;
    };
    let main = commit([]);
    const mains = [main];
    const branches: string[] = [];
    const own = new Map<string, string[]>(); // a branch's own commits (what its pull request lists)
    for (const { op, pick } of ops) {
      const b = branches.length > 0 ? pick % branches.length : -1;
      if (op === 0 || (op > 1 && b < 0)) {
        main = commit([main]);
        mains.push(main);
      } else if (op === 1) {
        const start = mains[pick % mains.length] as string;
        const tip = commit([start]);
        branches.push(tip);
        own.set(tip, [tip]);
      } else if (op === 2) {
        const tip = commit([branches[b] as string]);
        own.set(tip, [...(own.get(branches[b] as string) ?? []), tip]);
        branches[b] = tip;
      } else if (op === 3) {
        const tip = commit([branches[b] as string, main]);
        own.set(tip, [...(own.get(branches[b] as string) ?? []), tip]);
        branches[b] = tip;
      } else {
        const tip = branches[b] as string;
        main = commit([main, tip]);
        mains.push(main);
        for (const s of own.get(tip) ?? []) own.set(s, []);
        own.set(main, [...(own.get(tip) ?? []), main]);
        branches.splice(b, 1);
      }
    }
    return { h, date, main, mains, own };
  }

  it("every answer is the true one (null when it cannot know)", () => {
    let answered = 0;
    fc.assert(
      fc.property(
        fc.array(fc.record({ op: fc.integer({ min: 0, max: 4 }), pick: fc.nat() }), { minLength: 1, maxLength: 40 }),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 8 }),
        fc.nat(),
        (ops, cutPick, pairs, listPick) => {
          const { h, date, main, mains, own } = randomHistory(ops);
          const all = [...h.keys()];
          // A walk of main from its tip back to a date: every commit of main's history since (a
          // third of the time no walk at all: listed commits only).
          const cut = cutPick % 3 === 0 ? all.length : (cutPick >> 2) % (all.length + 1);
          const graph = new CommitGraph();
          graph.addHistory(
            [...ancestors(h, main)].filter((s) => (date.get(s) as number) > cut).map((s) => described(h, s)),
          );
          // Some merged pull requests' own commits, listed.
          const merges = mains.filter((m) => (own.get(m)?.length ?? 0) > 1);
          for (const [i, m] of merges.entries())
            if ((listPick >> i) & 1) graph.addCommits((own.get(m) ?? []).map((s) => described(h, s)));
          // Each tip of main against the one before (a deployment of every push), and pairs of
          // tips or of any two commits (rollbacks, deployments of other branches).
          const pickOf = (i: number) => (i % 3 === 0 ? all[i % all.length] : mains[i % mains.length]) as string;
          const compared = [
            ...mains.slice(1).map((head, i) => [mains[i] as string, head] as const),
            ...pairs.map(([x, y]) => [pickOf(x), pickOf(y)] as const),
          ];
          for (const [base, head] of compared) {
            const answer = graph.compare(base, head);
            if (answer === null) continue;
            answered++;
            expect(shape(answer)).toEqual(truth(h, base, head));
            expect(parentsFirst(answer)).toBe(true);
          }
        },
      ),
      propertyParams({ numRuns: 300 }),
    );
    expect(answered).toBeGreaterThan(100);
  });
});
