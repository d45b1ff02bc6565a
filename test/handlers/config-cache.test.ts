// Configuration reads across deliveries (src/github/config-cache.ts): the second delivery asks
// with If-None-Match and GitHub's 304 costs no full read; a push to the default branch that
// touches `.github/shipledger.yml` makes the next read a full one. Webhooks in, GitHub mocked with nock.
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultHandlers } from "../../src/app.js";
import { contentsFile } from "../../src/demo/github-model.js";
import { CONFIG_PATH } from "../../src/github/repo-config-loader.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { installationEvent, type Payload } from "../helpers/fixtures.js";
import {
  githubMock,
  mockCheckCreate,
  mockExistingRuns,
  mockPullCommits,
  type PullMocks,
  sha,
} from "../helpers/github-mocks.js";
import { loadApp, manualClock } from "../helpers/probot.js";

const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);
const OWNER = "Codertocat";
const REPO = "Hello-World";
const INSTALLATION = 31;

function prEvent(head: string): Payload {
  const payload = installationEvent("pull_request.synchronize", INSTALLATION);
  Object.assign(payload.pull_request, { head: { ref: "topic", sha: head } });
  return payload;
}

/** A push to the default branch (master in the fixture), its one commit modifying `files`. */
function pushEvent(files: string[]): Payload {
  const { repository } = installationEvent("pull_request.opened", INSTALLATION);
  return {
    ref: `refs/heads/${repository.default_branch}`,
    before: sha(900),
    after: sha(901),
    created: false,
    deleted: false,
    forced: false,
    commits: [{ id: sha(901), message: "Change settings\n", added: [], modified: files, removed: [] }],
    head_commit: null,
    repository,
    installation: { id: INSTALLATION },
  };
}

describe("configuration reads across deliveries", () => {
  let store: Store;
  beforeEach(async () => {
    nock.disableNetConnect();
    store = await openStore(":memory:");
  });
  afterEach(async () => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    nock.enableNetConnect();
    await store.close();
    expect(pending).toEqual([]);
  });

  /** The repository's file, as GitHub serves it: 304 to its ETag. Records each If-None-Match sent. */
  function serveConfig(m: PullMocks, text: string, etag: string, sent: Array<string | null>) {
    m.scope.get(`/repos/${OWNER}/${REPO}/contents/.github%2Fshipledger.yml`).reply(function () {
      const asked = this.req.headers["if-none-match"];
      sent.push(typeof asked === "string" ? asked : null);
      return asked === etag ? [304, "", { etag }] : [200, contentsFile(CONFIG_PATH, text), { etag }];
    });
  }

  function expectCheck(m: PullMocks, head: string) {
    mockPullCommits(m, OWNER, REPO, 2, [{ sha: head, message: "Add cache\n" }]);
    mockExistingRuns(m, OWNER, REPO, head);
    mockCheckCreate(m, OWNER, REPO);
  }

  async function app() {
    const clock = manualClock(T0);
    const loaded = await loadApp({ store, now: clock.now, random: () => 0, handlers: defaultHandlers });
    let n = 0;
    const deliver = async (name: string, payload: Payload) => {
      await loaded.probot.receive({ id: `d-${++n}`, name, payload } as Parameters<typeof loaded.probot.receive>[0]);
      await loaded.worker.drain();
      expect(await store.inbox.countDeliveries()).toMatchObject({ pending: 0, processing: 0, failed: 0 });
      clock.advance(60_000);
    };
    return { deliver };
  }

  it("the second check asks with If-None-Match and GitHub's 304 costs no full read", async () => {
    const m = githubMock();
    const sent: Array<string | null> = [];
    const v1 = "metric:\n  periodDays: 14\n";
    serveConfig(m, v1, '"v1"', sent);
    expectCheck(m, sha(1));
    serveConfig(m, v1, '"v1"', sent);
    expectCheck(m, sha(2));
    const { deliver } = await app();
    await deliver("pull_request", prEvent(sha(1)));
    await deliver("pull_request", prEvent(sha(2)));
    expect(sent).toEqual([null, '"v1"']);
    // Both checks ran with the file's settings (the period it sets is named in the summary).
    expect(m.checks.map((c) => String((c.body.output as { summary: string }).summary).includes("14 days"))).toEqual([
      true,
      true,
    ]);
  });

  it("the checks' record probes: the notes refs asked with If-None-Match (a 304), a head's traces file asked once", async () => {
    const m = githubMock();
    const sentConfig: Array<string | null> = [];
    const sentRefs: Array<string | null> = [];
    const tracesAt: string[] = [];
    const check = (head: string) => {
      serveConfig(m, "metric:\n  periodDays: 14\n", '"v1"', sentConfig);
      mockPullCommits(m, OWNER, REPO, 2, [{ sha: head, message: "Add cache\n" }], { agentRecords: false });
      // No notes refs: GitHub's listing, with its ETag.
      m.scope.get(`/repos/${OWNER}/${REPO}/git/matching-refs/notes%2F`).reply(function () {
        const asked = this.req.headers["if-none-match"];
        sentRefs.push(typeof asked === "string" ? asked : null);
        return asked === '"r1"' ? [304, "", { etag: '"r1"' }] : [200, [], { etag: '"r1"' }];
      });
      mockExistingRuns(m, OWNER, REPO, head);
      mockCheckCreate(m, OWNER, REPO);
    };
    // No traces file at either head (a 404 has no ETag): asked once per head.
    m.scope
      .get(`/repos/${OWNER}/${REPO}/contents/.agent-trace%2Ftraces.jsonl`)
      .query(true)
      .times(2)
      .reply((uri) => {
        tracesAt.push(new URL(uri, "https://api.github.com").searchParams.get("ref") ?? "");
        return [404, { message: "Not Found" }];
      });
    check(sha(1));
    check(sha(1)); // the same head checked again (its title edited)
    check(sha(2));
    const { deliver } = await app();
    await deliver("pull_request", prEvent(sha(1)));
    await deliver("pull_request", prEvent(sha(1)));
    await deliver("pull_request", prEvent(sha(2)));
    expect(sentRefs).toEqual([null, '"r1"', '"r1"']);
    expect(tracesAt).toEqual([sha(1), sha(2)]);
  });

  it.each([
    ["a small one is kept, and asked again with If-None-Match", 1_000, [null, '"t1"']],
    ["one over 64 KiB is not kept, and read in full again", 100_000, [null, null]],
  ])("a head's traces file in the shared cache: %s", async (_name, size, expected) => {
    const m = githubMock();
    const sentTraces: Array<string | null> = [];
    const text = `${JSON.stringify({ version: "0.1.0", id: "x", files: [] })}\n`.repeat(Math.ceil(size / 42));
    const check = () => {
      serveConfig(m, "metric:\n  periodDays: 14\n", '"v1"', []);
      mockPullCommits(m, OWNER, REPO, 2, [{ sha: sha(1), message: "Add cache\n" }], { agentRecords: false });
      m.scope.get(`/repos/${OWNER}/${REPO}/git/matching-refs/notes%2F`).reply(200, []);
      m.scope
        .get(`/repos/${OWNER}/${REPO}/contents/.agent-trace%2Ftraces.jsonl`)
        .query(true)
        .reply(function () {
          const asked = this.req.headers["if-none-match"];
          sentTraces.push(typeof asked === "string" ? asked : null);
          return asked === '"t1"'
            ? [304, "", { etag: '"t1"' }]
            : [200, contentsFile(".agent-trace/traces.jsonl", text), { etag: '"t1"' }];
        });
      mockExistingRuns(m, OWNER, REPO, sha(1));
      mockCheckCreate(m, OWNER, REPO);
    };
    check();
    check(); // the same head checked again (its title edited)
    const { deliver } = await app();
    await deliver("pull_request", prEvent(sha(1)));
    await deliver("pull_request", prEvent(sha(1)));
    expect(sentTraces).toEqual(expected);
  });

  it("a push to the default branch touching the file makes the next read a full one; a push that does not, does not", async () => {
    const m = githubMock();
    const sent: Array<string | null> = [];
    serveConfig(m, "metric:\n  periodDays: 14\n", '"v1"', sent);
    expectCheck(m, sha(1));
    // A push elsewhere in the tree: it may be a deployment, so its delivery reads the settings (a 304).
    serveConfig(m, "metric:\n  periodDays: 14\n", '"v1"', sent);
    // The push that changes the file: forgotten first, so this very delivery reads the new file in full.
    serveConfig(m, "metric:\n  periodDays: 21\n", '"v2"', sent);
    serveConfig(m, "metric:\n  periodDays: 21\n", '"v2"', sent);
    expectCheck(m, sha(2));
    const { deliver } = await app();
    await deliver("pull_request", prEvent(sha(1)));
    await deliver("push", pushEvent(["src/index.ts"]));
    await deliver("push", pushEvent([CONFIG_PATH]));
    await deliver("pull_request", prEvent(sha(2)));
    expect(sent).toEqual([null, '"v1"', null, '"v2"']);
    expect(String((m.checks.at(-1)?.body.output as { summary?: string } | undefined)?.summary)).toContain("21 days");
  });
});
