// The configuration file as the "AI attribution" check sees it: how it is read (its size before
// its content) and where each repository's settings come from. Webhooks in, GitHub mocked with
// nock, check runs out.
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultHandlers } from "../../src/app.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { installationEvent, type Payload } from "../helpers/fixtures.js";
import {
  githubMock,
  mockCheckCreate,
  mockConfig,
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
const CONFIG = "/contents/.github%2Fshipledger.yml";

function prEvent(head: string): Payload {
  const payload = installationEvent("pull_request.opened", INSTALLATION);
  Object.assign(payload.pull_request, { head: { ref: "topic", sha: head } });
  return payload;
}

function published(m: PullMocks): Payload {
  const first = m.checks[0];
  if (!first) throw new Error("no check run was published");
  return first.body;
}

describe("the configuration file, as the check reads it", () => {
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

  async function evaluate(m: PullMocks, head: string) {
    mockPullCommits(m, OWNER, REPO, 2, [{ sha: head, message: "Add cache\n" }]);
    mockExistingRuns(m, OWNER, REPO, head);
    mockCheckCreate(m, OWNER, REPO);
    const { probot, worker } = await loadApp({
      store,
      now: manualClock(T0).now,
      random: () => 0,
      handlers: defaultHandlers,
    });
    await probot.receive({ id: "d-1", name: "pull_request", payload: prEvent(head) });
    await worker.drain();
    expect(await store.inbox.countDeliveries()).toMatchObject({ pending: 0, processing: 0, failed: 0 });
    return published(m).output;
  }

  it.each([
    // Over the contents API's 1 MB: GitHub describes it without its content.
    ["a 100 MB file", 100 * 1024 * 1024, "100.0 MiB"],
    // Under 1 MB, its content comes in the same answer; still too large to read.
    ["a 70 KiB file", 70 * 1024, "70 KiB"],
  ])(
    "%s is judged by its size: one metadata request, never the raw file, and the check names the limit",
    async (_what, size, shown) => {
      const head = sha(7);
      const m = githubMock();
      const accepts: string[] = [];
      const content = size <= 1024 * 1024 ? Buffer.alloc(size, "#").toString("base64") : "";
      m.scope
        .get(`/repos/${OWNER}/${REPO}${CONFIG}`)
        // GitHub serves the raw media type whole (up to 100 MB): it must never be asked for.
        .matchHeader("accept", (accept) => {
          accepts.push(accept);
          return !accept.includes("raw");
        })
        .reply(200, {
          type: "file",
          name: "shipledger.yml",
          path: ".github/shipledger.yml",
          size,
          encoding: size <= 1024 * 1024 ? "base64" : "none",
          content,
        });
      const output = await evaluate(m, head);
      expect(accepts).toEqual(["application/vnd.github.v3+json"]);
      expect(output.summary).toContain(
        `\`(root): the file is ${shown}, larger than the limit of 64 KiB; it was not read\``,
      );
      // Attribution still ran, with the defaults.
      expect(output.title).toBe("No AI assistance detected");
    },
  );

  it("a directory at the path is no configuration file", async () => {
    const head = sha(8);
    const m = githubMock();
    m.scope.get(`/repos/${OWNER}/${REPO}${CONFIG}`).reply(200, [{ type: "file", name: "x.yml", size: 3 }]);
    m.scope.get(`/repos/${OWNER}/.github${CONFIG}`).reply(404, { message: "Not Found" });
    const output = await evaluate(m, head);
    expect(output.summary).not.toContain("### ⚠️ Configuration");
  });

  it("a file within the limit is read from the same answer (one request)", async () => {
    const head = sha(9);
    const m = githubMock();
    mockConfig(m, OWNER, REPO, { repo: "attribution:\n  lables: [x]\n" });
    const output = await evaluate(m, head);
    expect(output.summary).toContain('`attribution.lables: unknown key; did you mean "labels"?`');
    expect(m.log.count(`GET /repos/${OWNER}/${REPO}/contents/.github/`)).toBe(1);
  });
});
