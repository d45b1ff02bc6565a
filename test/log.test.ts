import { afterEach, describe, expect, it } from "vitest";
import { type AppProcess, appKeyPair, eventually, startAppProcess } from "./helpers/app-process.js";

/** The keys of a JSON object's top level as written, repeats included (JSON.parse would keep the last). */
function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      let end = i + 1;
      while (line[end] !== '"') end += line[end] === "\\" ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(line.slice(i, end + 1)) as string);
      expectKey = false;
      i = end;
    } else if (c === "{" || c === "[") {
      depth++;
      expectKey = c === "{" && depth === 1;
    } else if (c === "}" || c === "]") depth--;
    else if (c === "," && depth === 1) expectKey = true;
  }
  return keys;
}

describe("log: production JSON lines", () => {
  const running: AppProcess[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((a) => a.kill()));
  });

  it("name their logger once, the innermost", async () => {
    const app = await startAppProcess({
      NODE_ENV: "production",
      APP_ID: "12",
      PRIVATE_KEY: appKeyPair().privateKeyPem,
      WEBHOOK_SECRET: "hook-secret",
      DATABASE_URL: ":memory:",
      LOG_LEVEL: "debug", // requests are logged at debug
    });
    running.push(app);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    await eventually(async () => /GET \/healthz 200/.test(app.output()));
    const lines = app
      .output()
      .split("\n")
      .filter((l) => l.startsWith("{"));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) {
      const keys = topLevelKeys(line);
      expect(
        keys.filter((k) => k === "name"),
        line,
      ).toHaveLength(1);
      expect(new Set(keys).size, line).toBe(keys.length);
    }
    const names = lines.map((l) => (JSON.parse(l) as { name: string }).name);
    // Our children of Probot's child of the root (each adds a name): the innermost is kept.
    expect(names).toEqual(expect.arrayContaining(["shipledger", "http"]));
    expect(lines.find((l) => /GET \/healthz 200/.test(l))).toBeDefined();
  });
});
