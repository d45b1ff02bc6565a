// Agent records written into a test repository as the tools write them: git-ai and Agent Trace
// notes with `git notes`, and `.agent-trace/traces.jsonl` committed on top (fixed dates).
import { execFileSync } from "node:child_process";

type Repo = { dir: string; env: NodeJS.ProcessEnv };

const identity = (time: string) => ({
  GIT_AUTHOR_NAME: "Dev",
  GIT_AUTHOR_EMAIL: "dev@example.com",
  GIT_COMMITTER_NAME: "Dev",
  GIT_COMMITTER_EMAIL: "dev@example.com",
  GIT_AUTHOR_DATE: time,
  GIT_COMMITTER_DATE: time,
});

function git(repo: Repo, args: string[], input?: string, time = "1767225600 +0000"): string {
  return execFileSync("git", ["-C", repo.dir, ...args], {
    env: { ...repo.env, ...identity(time) },
    encoding: "utf8",
    ...(input === undefined ? {} : { input }),
  }).trim();
}

/** Adds `text` as the note of `commit` under `ref` (refs/notes/ai, refs/notes/agent-trace). */
export function addNote(repo: Repo, ref: string, commit: string, text: string): void {
  git(repo, ["notes", `--ref=${ref}`, "add", "-f", "-F", "-", commit], text);
}

/** addNote, the note kept byte for byte (`-F` would strip trailing blank space and lines). */
export function addNoteAsIs(repo: Repo, ref: string, commit: string, text: string): void {
  const blob = git(repo, ["hash-object", "-w", "--stdin"], text).trim();
  git(repo, ["notes", `--ref=${ref}`, "add", "-f", "-C", blob, commit]);
}

/** Commits `path` with `text` on top of `branch` (at `time`, `<epoch> <zone>`); the new sha. */
export function commitFile(
  repo: Repo,
  branch: string,
  path: string,
  text: string,
  time: string,
  message: string,
): string {
  const blob = git(repo, ["hash-object", "-w", "--stdin"], text);
  const parent = git(repo, ["rev-parse", branch]);
  const index = { ...repo.env, GIT_INDEX_FILE: `${repo.dir}/.git/test-index` };
  execFileSync("git", ["-C", repo.dir, "read-tree", parent], { env: index });
  execFileSync("git", ["-C", repo.dir, "update-index", "--add", "--cacheinfo", `100644,${blob},${path}`], {
    env: index,
  });
  const tree = execFileSync("git", ["-C", repo.dir, "write-tree"], { env: index, encoding: "utf8" }).trim();
  const sha = git(repo, ["commit-tree", tree, "-p", parent, "-m", message], undefined, time);
  git(repo, ["update-ref", `refs/heads/${branch}`, sha]);
  return sha;
}

/**
 * Adds the notes `texts` (commit sha → text) under `ref` in one notes commit written with
 * `git fast-import`, as `git notes add` would store them (one process, however many notes).
 */
export function addNotes(repo: Repo, ref: string, texts: ReadonlyMap<string, string>, time = "1767225600 +0000"): void {
  const parts: Buffer[] = [Buffer.from(`commit ${ref}\ncommitter Dev <dev@example.com> ${time}\ndata 6\nNotes\n`)];
  for (const [commit, text] of texts) {
    const body = Buffer.from(text);
    parts.push(Buffer.from(`N inline ${commit}\ndata ${body.length}\n`), body, Buffer.from("\n"));
  }
  execFileSync("git", ["-C", repo.dir, "fast-import", "--quiet"], { env: repo.env, input: Buffer.concat(parts) });
}
