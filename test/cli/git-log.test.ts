import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  findStdbufLibrary,
  type GitCommit,
  GitLogError,
  GitLogParser,
  gitLogEnv,
  isoDate,
  readGitLog,
  readGitLogBatches,
  stdbufLibraryIn,
} from "../../src/cli/git-log.js";
import { type FakeCommit, makeRepo, removeTempDirs, tempDir } from "../helpers/git-repo.js";

// ---- small real repositories, immune to the machine's git configuration ------------------------------

afterAll(removeTempDirs);

async function collect(iterable: AsyncIterable<GitCommit>): Promise<GitCommit[]> {
  const commits: GitCommit[] = [];
  for await (const commit of iterable) commits.push(commit);
  return commits;
}

// ---- the parser, fed by hand ---------------------------------------------------------------------------

const SHA1 = "1".repeat(40);
const SHA2 = "2".repeat(40);
const SHA3 = "3".repeat(40);
const TREE = "4".repeat(40);

/** One object as `git cat-file --batch=CAT_FILE_FORMAT` prints it, fed by `rev-list --parents`. */
function catFile(sha: string, parents: string[], object: string | Buffer): Buffer {
  const bytes = typeof object === "string" ? Buffer.from(object) : object;
  return Buffer.concat([Buffer.from(`${sha} commit ${bytes.length} ${parents.join(" ")}\n`), bytes, Buffer.from("\n")]);
}

function commitObject(parents: string[], author: string, committer: string, message: string): string {
  return `tree ${TREE}\n${parents.map((p) => `parent ${p}\n`).join("")}author ${author}\ncommitter ${committer}\n\n${message}`;
}

const SAMPLE = Buffer.concat([
  catFile(
    SHA1,
    [SHA2, SHA3],
    commitObject(
      [SHA2, SHA3],
      "Ann <ann@example.com> 1735783445 +0100",
      "Ben <ben@example.com> 1735790400 +0000",
      "Merge\n\nCo-authored-by: Claude <noreply@anthropic.com>\nEmpty:\n",
    ),
  ),
  catFile(
    SHA2,
    [],
    Buffer.concat([
      Buffer.from(
        commitObject(
          [],
          "Émile <émile@example.com> 1735689600 +0000",
          "Émile <émile@example.com> 1735689600 +0000",
          "Root ",
        ),
      ),
      Buffer.from([0xff, 0x0a]),
    ]),
  ),
]);

const EXPECTED: GitCommit[] = [
  {
    sha: SHA1,
    parents: [SHA2, SHA3],
    author: { name: "Ann", email: "ann@example.com", date: "2025-01-02T03:04:05+01:00" },
    committer: { name: "Ben", email: "ben@example.com", date: "2025-01-02T04:00:00+00:00" },
    authorTime: 1735783445000,
    message: "Merge\n\nCo-authored-by: Claude <noreply@anthropic.com>\nEmpty:\n",
    truncated: false,
  },
  {
    sha: SHA2,
    parents: [],
    author: { name: "Émile", email: "émile@example.com", date: "2025-01-01T00:00:00+00:00" },
    committer: { name: "Émile", email: "émile@example.com", date: "2025-01-01T00:00:00+00:00" },
    authorTime: 1735689600000,
    message: "Root \uFFFD\n",
    truncated: false,
  },
];

describe("GitLogParser", () => {
  it("reads people, dates, parents and messages from one chunk", () => {
    const parser = new GitLogParser();
    expect(parser.push(SAMPLE)).toEqual(EXPECTED);
    parser.end();
  });

  it("gives the same commits wherever the chunks are cut, even inside a character", () => {
    for (let cut = 0; cut <= SAMPLE.length; cut++) {
      const parser = new GitLogParser();
      const commits = [...parser.push(SAMPLE.subarray(0, cut)), ...parser.push(SAMPLE.subarray(cut))];
      expect(commits, `cut at ${cut}`).toEqual(EXPECTED);
      parser.end();
    }
    const parser = new GitLogParser();
    const commits = [...SAMPLE].flatMap((byte) => parser.push(Uint8Array.of(byte)));
    expect(commits).toEqual(EXPECTED);
  });

  it("keeps the head and tail of a message longer than its limit, and says so", () => {
    const message = `${"a".repeat(22)}${"-".repeat(300)}${"z".repeat(22)}`;
    const record = catFile(SHA1, [], commitObject([], "A <a@x> 1 +0000", "A <a@x> 1 +0000", message));
    const parser = new GitLogParser(44);
    const commits = [...record].flatMap((byte) => parser.push(Uint8Array.of(byte))); // across many chunks
    expect(commits).toHaveLength(1);
    expect(commits[0]?.message).toBe(`${"a".repeat(22)}${"z".repeat(22)}`);
    expect(commits[0]?.truncated).toBe(true);
    // The same in one chunk, and the next commit starts afresh.
    const next = catFile(SHA2, [], commitObject([], "B <b@x> 2 +0000", "B <b@x> 2 +0000", "short"));
    expect(new GitLogParser(44).push(Buffer.concat([record, next]))).toMatchObject([
      { message: `${"a".repeat(22)}${"z".repeat(22)}`, truncated: true },
      { sha: SHA2, message: "short", truncated: false },
    ]);
  });

  it("keeps the same head and tail of a long message of multi-byte characters however it arrives", () => {
    // 1- to 4-byte characters (é, €, 🤖 is two UTF-16 code units), so the cuts fall everywhere.
    const message = `${"é€a🤖".repeat(60)}middle${"z€🤖é".repeat(60)}`;
    const record = catFile(SHA1, [], commitObject([], "Ann <a@x> 1 +0000", "Ann <a@x> 1 +0000", message));
    for (const limit of [41, 64, 99, 100]) {
      const whole = new GitLogParser(limit).push(record); // one chunk
      expect(whole[0]?.truncated).toBe(true);
      expect(whole[0]?.message).toHaveLength(2 * Math.floor(limit / 2));
      const half = Math.floor(limit / 2);
      expect(whole[0]?.message).toBe(message.slice(0, half) + message.slice(message.length - half));
      for (const size of [1, 2, 3, 5, 7, 64]) {
        const parser = new GitLogParser(limit);
        const commits: GitCommit[] = [];
        for (let at = 0; at < record.length; at += size) commits.push(...parser.push(record.subarray(at, at + size)));
        expect(commits, `limit ${limit}, chunks of ${size}`).toEqual(whole);
        parser.end();
      }
    }
  });

  it("keeps only the ends of a very large commit in memory, and reads the same commit from them", () => {
    // Beyond 3 × the limit and the allowance for headers (256 KB), only the two ends are kept.
    const message = `${"€a🤖".repeat(30_000)}${"b".repeat(100_000)}${"é🤖z".repeat(30_000)}`;
    const record = catFile(SHA1, [SHA2], commitObject([SHA2], "Ann <a@x> 1 +0000", "Ben <b@x> 2 +0000", message));
    expect(record.length).toBeGreaterThan(400 * 1024);
    const limit = 1000;
    const half = limit / 2;
    const expected = {
      sha: SHA1,
      parents: [SHA2],
      author: { name: "Ann", email: "a@x", date: "1970-01-01T00:00:01+00:00" },
      committer: { name: "Ben", email: "b@x", date: "1970-01-01T00:00:02+00:00" },
      authorTime: 1000,
      message: message.slice(0, half) + message.slice(message.length - half),
      truncated: true,
    };
    for (const size of [1000, 4093, 65_536, record.length]) {
      const parser = new GitLogParser(limit);
      const commits: GitCommit[] = [];
      for (let at = 0; at < record.length; at += size) commits.push(...parser.push(record.subarray(at, at + size)));
      expect(commits, `chunks of ${size}`).toEqual([expected]);
      parser.end();
    }
  });

  it("refuses output that is not framed as expected, and output cut inside a commit", () => {
    expect(() => new GitLogParser().push(Buffer.from(`${SHA1} missing\n`))).toThrow(
      `unexpected git cat-file output (expected "<sha> commit <size>", got "${SHA1}…`,
    );
    expect(() => new GitLogParser().push(Buffer.from(`${SHA1} tree 3 \nabc\n`))).toThrow(
      "unexpected git cat-file output",
    );
    expect(() => new GitLogParser().push(Buffer.from(`${SHA1} commit 3 \nabcX`))).toThrow("an object framed wrongly");
    const parser = new GitLogParser();
    parser.push(SAMPLE.subarray(0, 100));
    expect(() => parser.end()).toThrow("git cat-file output ended in the middle of a commit");
  });

  it("reads objects as git log reads them: the last author line, the first encoding, a NUL ends the message", () => {
    const object = (headers: string, message = "Subject\n") => `tree ${TREE}\n${headers}\n${message}`;
    const read = (text: string | Buffer) => new GitLogParser().push(catFile(SHA1, [], text))[0];
    expect(read(object("author A <a@x> 1 +0000\nauthor B <b@x> 2 +0000\ncommitter C <c@x> 3 +0000\n"))).toMatchObject({
      author: { name: "B", email: "b@x" },
      committer: { name: "C" },
      message: "Subject\n",
    });
    expect(read(object("author A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n", "Cut\u0000here\n"))?.message).toBe("Cut");
    // Latin-1, declared: re-encoded to UTF-8 as git log does, names included.
    const latin1 = Buffer.from(
      object("author B\xe9a <b@x> 1 +0000\ncommitter B\xe9a <b@x> 1 +0000\nencoding ISO-8859-1\n", "Caf\xe9\n"),
      "latin1",
    );
    expect(read(latin1)).toMatchObject({ author: { name: "Béa" }, message: "Café\n" });
    // No empty line after the headers: no message; no ident at all: nobody, no date.
    expect(read(`tree ${TREE}\ncommitter C <c@x> 3 +0000\n`)).toMatchObject({
      author: { name: "", email: "", date: "" },
      message: "",
    });
    expect(read(object("author A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n"))?.authorTime).toBe(1000);
    expect(read(object("author A <a@x>\ncommitter A <a@x>\n"))?.authorTime).toBeNaN();
  });

  it.each([
    ["1736503200 +0000", "2025-01-10T10:00:00+00:00"],
    ["1736506800 +0530", "2025-01-10T16:30:00+05:30"],
    ["1736510400 -0800", "2025-01-10T04:00:00-08:00"],
    ["1736510400 +0000", "2025-01-10T12:00:00+00:00"], // the same instant in another zone: another day's text
    ["0 +0000", "1970-01-01T00:00:00+00:00"],
    ["951782400 +0000", "2000-02-29T00:00:00+00:00"], // a leap day
    ["1677628799 +0000", "2023-02-28T23:59:59+00:00"], // the last second of February
    ["1677628800 +0000", "2023-03-01T00:00:00+00:00"], // and the first of March
    ["1677628800 -0100", "2023-02-28T23:00:00-01:00"], // the same instant, still February there
    ["1709208000 +0000", "2024-02-29T12:00:00+00:00"],
    ["946684799 +0000", "1999-12-31T23:59:59+00:00"], // the last second of a year
    ["946684800 +0000", "2000-01-01T00:00:00+00:00"], // and the first of the next
    ["1735689599 +0100", "2025-01-01T00:59:59+01:00"], // already next year in its zone
    ["4107542399 +1400", "2100-03-01T13:59:59+14:00"], // 2100 is not a leap year
    ["253402300799 +0000", "9999-12-31T23:59:59+00:00"],
    ["1736503200 +0099", "2025-01-10T11:39:00+00:99"], // minutes are not checked, as in git
    ["100 -0500", "1970-01-01T00:00:00+00:00"], // before the epoch in its zone: git will not show it
    ["d", "d"], // not a raw date: kept
    ["12 x0100", "12 x0100"],
  ])("writes the raw date %s as git's %%aI would: %s", (raw, iso) => {
    expect(isoDate(raw)).toBe(iso);
  });
});

// ---- against real git ------------------------------------------------------------------------------------

const MESSAGES = {
  folded:
    "Add the parser\n\nIt reads one pass.\n\n" +
    "Co-Authored-By: Claude <noreply@anthropic.com>\n" +
    "Assisted-by : aider:gpt-4o\n" +
    "Note: a value folded\n  over two lines\n" +
    "Empty:\n",
  notTrailers: "Subject\n\nhttp://example.com is not a trailer\nand this paragraph has prose.\n",
  cherryPick:
    "Fix the bug\n\n(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)\n" +
    "Signed-off-by: Ann <ann@example.com>\n",
  divider: "Patch\n\nBody\n---\nCo-authored-by: Ghost <ghost@example.com>\n",
};

describe("readGitLog", () => {
  it("reads commits newest first with their messages, parents and dates", async () => {
    const repo = makeRepo([
      { mark: 1, author: "Ann Lee <ann@example.com>", time: "1736503200 +0000", message: MESSAGES.folded },
      {
        mark: 2,
        author: "Ben Roe <ben@example.com>",
        time: "1736506800 +0530",
        message: MESSAGES.notTrailers,
        from: 1,
      },
      {
        mark: 3,
        ref: "refs/heads/side",
        author: "Cy Poe <cy@example.com>",
        time: "1736510400 -0800",
        message: MESSAGES.cherryPick,
        from: 1,
      },
      {
        mark: 4,
        author: "Ann Lee <ann@example.com>",
        time: "1736514000 +0000",
        message: MESSAGES.divider,
        from: 2,
        merge: 3,
      },
    ]);
    const sha = (ref: string) => repo.git("rev-parse", ref);
    const commits = await collect(readGitLog({ repository: repo.dir, env: repo.env }));
    expect(commits.map((c) => c.sha)).toEqual([sha("main"), sha("main^2"), sha("main^1"), sha("main^1^")]);

    const [merge, side, second, root] = commits;
    expect(merge).toEqual({
      sha: sha("main"),
      parents: [sha("main^1"), sha("main^2")],
      author: { name: "Ann Lee", email: "ann@example.com", date: "2025-01-10T13:00:00+00:00" },
      committer: { name: "Ann Lee", email: "ann@example.com", date: "2025-01-10T13:00:00+00:00" },
      authorTime: 1736514000000,
      message: MESSAGES.divider,
      truncated: false,
    });
    expect(side?.message).toBe(MESSAGES.cherryPick);
    expect(side?.author.date).toBe("2025-01-10T04:00:00-08:00");
    expect(second?.message).toBe(MESSAGES.notTrailers);
    expect(second?.author.date).toBe("2025-01-10T16:30:00+05:30");
    expect(root?.parents).toEqual([]);
    expect(root?.message).toBe(MESSAGES.folded);
  });

  it("gives every date exactly as git's %aI and %cI show it, whatever the zone, and the author's instant", async () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const zones = ["+0000", "-0000", "+0530", "+0545", "-0930", "+1400", "-1200", "+0100", "-0500", "+0900"];
    const commits: FakeCommit[] = [];
    for (let mark = 1; mark <= 300; mark++) {
      // Seconds from 1970 to 2100, and now and then the very start of a day, month or year.
      const seconds = mark % 7 === 0 ? 86_400 * Math.floor(random() * 47_000) : Math.floor(random() * 4_102_444_800);
      const zone = zones[Math.floor(random() * zones.length)] as string;
      commits.push({
        mark,
        author: "Ann <ann@example.com>",
        time: `${seconds + 50_400} ${zone}`,
        message: `c${mark}\n`,
      });
      if (mark > 1) commits[mark - 1] = { ...(commits[mark - 1] as FakeCommit), from: mark - 1 };
    }
    const repo = makeRepo(commits);
    const expected = repo.git("log", "--format=%aI %cI %at").split("\n");
    const commitsRead = await collect(readGitLog({ repository: repo.dir, env: repo.env }));
    expect(commitsRead.map((c) => `${c.author.date} ${c.committer.date} ${c.authorTime / 1000}`)).toEqual(expected);
  });

  it("follows a range and reads invalid UTF-8 and a 1 MB message without trouble", async () => {
    const big = `Big one\n\n${`${"x".repeat(1023)}\n`.repeat(1024)}\nCo-authored-by: Copilot <copilot@github.com>\n`;
    const repo = makeRepo([
      { mark: 1, author: "Ann <ann@example.com>", time: "1736503200 +0000", message: "Root\n" },
      {
        mark: 2,
        author: "B\xe9a <bea@example.com>",
        time: "1736503300 +0000",
        message: Buffer.concat([Buffer.from("Caf"), Buffer.from([0xe9, 0xff, 0xc3]), Buffer.from(" latin-1\n")]),
        from: 1,
      },
      { mark: 3, author: "Ann <ann@example.com>", time: "1736503400 +0000", message: big, from: 2 },
    ]);
    const commits = await collect(readGitLog({ repository: repo.dir, revs: ["HEAD~2..HEAD"], env: repo.env }));
    expect(commits).toHaveLength(2);
    const [bigCommit, latin] = commits;
    expect(bigCommit?.message).toBe(big);
    expect(big.length).toBeGreaterThan(1024 * 1024);
    expect(latin?.message).toBe("Caf\uFFFD\uFFFD\uFFFD latin-1\n");
    expect(latin?.author.name).toBe("B\u00e9a"); // written as UTF-8 by this test file
  });

  it("stops git when the reader stops early", async () => {
    const commits: FakeCommit[] = [];
    for (let i = 1; i <= 1000; i++) {
      commits.push({
        mark: i,
        author: "Ann <ann@example.com>",
        time: `${1736503200 + i} +0000`,
        message: `Commit ${i}\n\n${"body ".repeat(200)}\n`,
        ...(i > 1 ? { from: i - 1 } : {}),
      });
    }
    const repo = makeRepo(commits);
    let read = 0;
    for await (const batch of readGitLogBatches({ repository: repo.dir, env: repo.env })) {
      read += batch.length;
      break;
    }
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(1000);
    if (process.platform === "linux") {
      // git cat-file, blocked on a full pipe, must have been killed rather than left behind.
      const gitLogs = () =>
        readdirSync("/proc")
          .filter((pid) => /^\d+$/.test(pid))
          .filter((pid) => {
            try {
              const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
              return argv.includes(repo.dir) && (argv.includes("cat-file") || argv.includes("rev-list"));
            } catch {
              return false;
            }
          });
      for (let i = 0; i < 100 && gitLogs().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(gitLogs()).toEqual([]);
    }
  });

  it("fails with git's reason and exit code for a bad revision", async () => {
    const repo = makeRepo([{ mark: 1, author: "Ann <ann@example.com>", time: "1736503200 +0000", message: "Root\n" }]);
    const error = await collect(readGitLog({ repository: repo.dir, revs: ["nope..HEAD"], env: repo.env })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GitLogError);
    expect(error).toMatchObject({ message: "bad revision 'nope..HEAD'", exitCode: 128, commitsRead: 0 });
  });
});

describe("parity with git log", () => {
  // Commit objects git itself would not write but a repository may hold (old tools, imports,
  // `hash-object --literally`): each must read as `git log --format=%an…%B` shows it.
  const TREE_OF_EMPTY = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
  const objects: (string | Buffer)[] = [
    "author Ann <ann@example.com> 1736503200 +0000\ncommitter Ann <ann@example.com> 1736503200 +0000\n\nPlain\n",
    "author  Ann  Lee \t <ann@example.com> 1736503200 +0530\ncommitter Ben<ben@x>1736503300 -0800\n\nSpacing\n",
    "author Ann <ann@example.com> 0001736503200 -0000\ncommitter Ann <ann@example.com> 1736503200   +05\n\nOdd dates\n",
    "author Ann <ann@example.com>\ncommitter Ann <ann@example.com> not-a-date\n\nNo dates\n",
    "author Ann ann@example.com 1736503200 +0000\ncommitter <> 1736503200 +0000\n\nNo brackets, no name\n",
    "author Ann <a<b>c> 1736503200 +0000 >\ncommitter Ann <x> y> 1736503200 +0000\n\nExtra brackets\n",
    "author Ann <ann@example.com> 99999999999999999999 +0000\ncommitter Ann <a@x> 1736503200 +99999999999\n\nHuge\n",
    "author A <a@x> 1 +0000\nauthor B <b@x> 2 +0000\ncommitter C <c@x> 3 +0000\ncommitter D <d@x> 4 +0000\n\nTwice\n",
    "author A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n abc\n -----END PGP SIGNATURE-----\n\nSigned\n",
    "author A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\nencoding UTF8\n\nDeclared UTF-8 é\n",
    Buffer.from(
      "author B\xe9a <b@x> 1 +0000\ncommitter B\xe9a <b@x> 1 +0000\nencoding ISO-8859-1\n\nCaf\xe9\n",
      "latin1",
    ),
    Buffer.from(
      "author A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\nencoding no-such-encoding\n\nKept \xc3\xa9\n",
      "latin1",
    ),
    "author A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\n\n\nLeading blank lines\n",
    "author A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n",
    "author A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\n",
    "committer A <a@x> 1 +0000\n\nNo author\n",
  ];

  it("reads every odd commit object as git log shows it", async () => {
    const repo = makeRepo([]);
    const run = (args: string[], input?: Buffer) =>
      execFileSync("git", ["-C", repo.dir, ...args], { env: repo.env, ...(input ? { input } : {}) });
    let parent: string | null = null;
    for (const body of objects) {
      const bytes = typeof body === "string" ? Buffer.from(body) : body;
      const head = `tree ${TREE_OF_EMPTY}\n${parent ? `parent ${parent}\n` : ""}`;
      const object = Buffer.concat([Buffer.from(head), bytes]);
      parent = run(["hash-object", "-t", "commit", "--literally", "-w", "--stdin"], object).toString().trim();
    }
    run(["hash-object", "-t", "tree", "-w", "--stdin"], Buffer.alloc(0));
    run(["update-ref", "refs/heads/main", parent as string]);

    const format = "%H%x00%P%x00%an%x00%ae%x00%ad%x00%cn%x00%ce%x00%cd%x00%B";
    const log = run(["-c", "i18n.logOutputEncoding=UTF-8", "log", "-z", "--date=raw", `--format=${format}`]);
    const fields = log.toString("utf8").split("\0");
    const expected: GitCommit[] = [];
    for (let i = 0; i + 9 <= fields.length; i += 9) {
      const [sha, parents, an, ae, ad, cn, ce, cd, message] = fields.slice(i, i + 9).map((f) => f ?? "") as [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ];
      expected.push({
        sha,
        parents: parents === "" ? [] : parents.split(" "),
        author: { name: an, email: ae, date: isoDate(ad) },
        committer: { name: cn, email: ce, date: isoDate(cd) },
        authorTime: ad === "" ? Number.NaN : Number(ad.split(" ")[0]) * 1000,
        message,
        truncated: false,
      });
    }
    expect(expected).toHaveLength(objects.length);
    const commits = await collect(readGitLog({ repository: repo.dir, env: repo.env }));
    for (let i = 0; i < expected.length; i++)
      expect(commits[i], JSON.stringify(objects[objects.length - 1 - i])).toEqual(expected[i]);
  });
});

describe("git's output buffer", () => {
  const repo = makeRepo([
    { mark: 1, author: "Ann <ann@example.com>", time: "1736503200 +0000", message: "Root\n" },
    {
      mark: 2,
      author: "Ben <ben@example.com>",
      time: "1736503300 +0000",
      message: "Second\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
      from: 1,
    },
  ]);
  const realGit = (process.env.PATH ?? "")
    .split(delimiter)
    .map((dir) => join(dir, "git"))
    .find((file) => existsSync(file)) as string;

  it("preloads GNU's stdbuf library only from a file that root owns and nobody else can write", () => {
    const dir = tempDir("shipledger-lib-");
    chmodSync(dir, 0o755);
    const open = join(dir, "open.so");
    const sealed = join(dir, "sealed.so");
    writeFileSync(open, "");
    writeFileSync(sealed, "");
    chmodSync(open, 0o666);
    chmodSync(sealed, 0o644);
    const expected = process.platform === "linux" && process.getuid?.() === 0 ? sealed : null;
    expect(stdbufLibraryIn([join(dir, "missing.so"), dir, open, sealed])).toBe(expected);
    expect(stdbufLibraryIn([join(dir, "missing.so")])).toBeNull();
    // In a directory others may write to, the file could be replaced: not taken.
    chmodSync(dir, 0o777);
    expect(stdbufLibraryIn([sealed])).toBeNull();
    chmodSync(dir, 0o755);
  });

  it("sets git's buffer as stdbuf -o does, after any library the user preloads", () => {
    const env = { PATH: "/bin", LD_PRELOAD: "/opt/mine.so" };
    expect(gitLogEnv(env, "/usr/libexec/coreutils/libstdbuf.so")).toEqual({
      PATH: "/bin",
      GIT_FLUSH: "0",
      LD_PRELOAD: "/opt/mine.so:/usr/libexec/coreutils/libstdbuf.so",
      _STDBUF_O: "65536",
    });
    expect(gitLogEnv({ PATH: "/bin" }, "/lib/x.so")).toMatchObject({ LD_PRELOAD: "/lib/x.so", _STDBUF_O: "65536" });
    expect(gitLogEnv({ PATH: "/bin" }, null)).toEqual({ PATH: "/bin", GIT_FLUSH: "0" });
  });

  it.runIf(findStdbufLibrary() !== null)(
    "runs git with the library preloaded, and reads the same commits",
    async () => {
      // A git on PATH that records what it was given, then runs the real one.
      const bin = tempDir("shipledger-bin-");
      const log = join(bin, "env");
      writeFileSync(
        join(bin, "git"),
        `#!/bin/sh\necho "$LD_PRELOAD $_STDBUF_O $GIT_FLUSH" >> '${log}'\nexec '${realGit}' "$@"\n`,
      );
      chmodSync(join(bin, "git"), 0o755);
      const plain = await collect(readGitLog({ repository: repo.dir, env: repo.env }));
      const spied = await collect(readGitLog({ repository: repo.dir, env: { ...repo.env, PATH: bin } }));
      expect(spied).toEqual(plain);
      expect(spied.map((c) => c.message)).toEqual([
        "Second\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
        "Root\n",
      ]);
      // Both gits of the pipeline: rev-list and cat-file.
      expect(readFileSync(log, "utf8")).toBe(`${findStdbufLibrary()} 65536 0\n`.repeat(2));
    },
  );

  it("reads the same commits whatever library is preloaded, even one the loader refuses", async () => {
    const bogus = join(tempDir("shipledger-lib-"), "not-a-library.so");
    writeFileSync(bogus, "not an ELF file");
    const commits = await collect(readGitLog({ repository: repo.dir, env: { ...repo.env, LD_PRELOAD: bogus } }));
    expect(commits).toEqual(await collect(readGitLog({ repository: repo.dir, env: repo.env })));
  });
});
