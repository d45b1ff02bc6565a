import { describe, expect, it } from "vitest";
import { type GitCommit, GitLogParser } from "../../src/git/objects.js";

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

  it("reads a SHA-256 repository's 64-digit names wherever the chunks are cut", () => {
    const [a, b, c] = ["a", "b", "c"].map((d) => d.repeat(64)) as [string, string, string];
    const tree = "d".repeat(64);
    const object = (parents: string[], message: string) =>
      `tree ${tree}\n${parents.map((p) => `parent ${p}\n`).join("")}author Ann <a@x> 1 +0000\ncommitter Ann <a@x> 1 +0000\n\n${message}`;
    const output = Buffer.concat([
      catFile(a, [b, c], object([b, c], "Merge\n")),
      catFile(b, [c], object([c], "Change\n")),
      catFile(c, [], object([], "Root\n")),
    ]);
    const expected = new GitLogParser().push(output);
    expect(expected.map((commit) => [commit.sha, commit.parents, commit.message])).toEqual([
      [a, [b, c], "Merge\n"],
      [b, [c], "Change\n"],
      [c, [], "Root\n"],
    ]);
    for (let cut = 0; cut <= output.length; cut++) {
      const parser = new GitLogParser();
      expect([...parser.push(output.subarray(0, cut)), ...parser.push(output.subarray(cut))], `cut at ${cut}`).toEqual(
        expected,
      );
      parser.end();
    }
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
});
