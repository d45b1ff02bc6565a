// Blobs through the Git Data API: a blob's text whatever its size (Octokit's own JSON parsing gives
// up on the base64 of a file of about 6 MB on Node 20), and an answer that is not a blob is a
// gateway's failure (502, retried, then a note), never a TypeError that fails the whole check.
import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BadBlobAnswer, blobText } from "../../src/github/blob.js";

const SHA = "ab".repeat(20);
const PATH = `/repos/acme/shop/git/blobs/${SHA}`;
const octokit = () =>
  new ProbotOctokit({ auth: { token: "test" }, retry: { enabled: false }, throttle: { enabled: false } });
const where = { owner: "acme", repo: "shop", sha: SHA };

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("blobText", () => {
  it("reads a 12 MB blob (16 million characters of base64), as GitHub sends it", async () => {
    const line = `${JSON.stringify({ version: "0.1.0", id: "r", vcs: { type: "git", revision: "9".repeat(40) } })}\n`;
    const text = `${line.repeat(Math.ceil((12 * 1024 * 1024) / line.length))}é ✓\n`;
    const body = JSON.stringify({
      sha: SHA,
      size: Buffer.byteLength(text),
      encoding: "base64",
      content: Buffer.from(text).toString("base64"),
    });
    expect(body.length).toBeGreaterThan(16_000_000);
    nock("https://api.github.com").get(PATH).reply(200, body, { "content-type": "application/json; charset=utf-8" });
    expect(await blobText(octokit(), where)).toBe(text);
  });

  it("takes GitHub's base64 with its line breaks, and utf-8 content as it is", async () => {
    const base64 = Buffer.from("Add retries\n").toString("base64");
    nock("https://api.github.com")
      .get(PATH)
      .reply(200, { sha: SHA, encoding: "base64", content: `${base64.slice(0, 8)}\n${base64.slice(8)}\n` })
      .get(PATH)
      .reply(200, { sha: SHA, encoding: "utf-8", content: "déjà\n" });
    expect(await blobText(octokit(), where)).toBe("Add retries\n");
    expect(await blobText(octokit(), where)).toBe("déjà\n");
  });

  it.each([
    ["an HTML page", "<html>Bad gateway</html>", "text/html", "is not JSON"],
    ["JSON without content", JSON.stringify({ message: "ok" }), "application/json", "has no content"],
    ["null", "null", "application/json", "has no content"],
    [
      "an unknown encoding",
      JSON.stringify({ content: "x", encoding: "rot13" }),
      "application/json",
      "has content in an unknown encoding (rot13)",
    ],
  ])("an answer that is not a blob (%s) is a 502 that names the blob", async (_what, body, type, says) => {
    nock("https://api.github.com").get(PATH).reply(200, body, { "content-type": type });
    const error = await blobText(octokit(), where).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadBlobAnswer);
    expect(error).toMatchObject({ status: 502, message: `GitHub's answer for blob ${SHA} ${says}` });
  });

  it("GitHub's own errors stay GitHub's (404, 403 with its message)", async () => {
    nock("https://api.github.com")
      .get(PATH)
      .reply(404, { message: "Not Found" })
      .get(PATH)
      .reply(403, { message: "Resource not accessible by integration" });
    await expect(blobText(octokit(), where)).rejects.toMatchObject({ status: 404 });
    await expect(blobText(octokit(), where)).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining("Resource not accessible by integration"),
    });
  });
});
