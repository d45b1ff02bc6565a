import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  findStdbufLibrary,
  GitLogError,
  gitLogEnv,
  readGitLog,
  readGitLogBatches,
  stdbufLibraryIn,
} from "../../src/cli/git-log.js";
import { isoDate } from "../../src/git/dates.js";
import type { GitCommit } from "../../src/git/objects.js";
import { type FakeCommit, makeRepo, removeTempDirs, tempDir } from "../helpers/git-repo.js";

// ---- small real repositories, immune to the machine's git configuration ------------------------------

afterAll(removeTempDirs);

async function collect(iterable: AsyncIterable<GitCommit>): Promise<GitCommit[]> {
  const commits: GitCommit[] = [];
  for await (const commit of iterable) commits.push(commit);
  return commits;
}

/** A line of `count` commits of about 1 KB each (`Commit 1` … `Commit <count>`), each on the one before. */
function longHistory(count: number) {
  const commits: FakeCommit[] = [];
  for (let i = 1; i <= count; i++) {
    commits.push({
      mark: i,
      author: "Ann <ann@example.com>",
      time: `${1736503200 + i} +0000`,
      message: `Commit ${i}\n\n${"body ".repeat(200)}\n`,
      ...(i > 1 ? { from: i - 1 } : {}),
    });
  }
  return makeRepo(commits);
}

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
    const repo = longHistory(1000);
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

  it("holds git back while a slow reader works, then reads the rest of the history", async () => {
    // 3,000 commits of about 1 KB: about 3.5 MB of git's output, many times what is read ahead of
    // the reader (512 KB), so git's output is paused while the reader sleeps and resumed after.
    const repo = longHistory(3000);
    const subjects: string[] = [];
    let slept = 0;
    for await (const batch of readGitLogBatches({ repository: repo.dir, env: repo.env })) {
      for (const commit of batch) subjects.push(commit.message.slice(0, commit.message.indexOf("\n")));
      if (slept < 3) {
        slept++;
        await new Promise((resume) => setTimeout(resume, 150));
      }
    }
    expect(subjects).toEqual(Array.from({ length: 3000 }, (_, i) => `Commit ${3000 - i}`));
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
