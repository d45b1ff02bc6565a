import { readFileSync } from "node:fs";

// biome-ignore lint/suspicious/noExplicitAny: fixtures are cast at this boundary (see STYLE.md).
export type Payload = any;

/** A trimmed real webhook payload (test/fixtures/webhooks), deep-copied so tests may modify it. */
export function webhookFixture(name: string): Payload {
  return JSON.parse(readFileSync(new URL(`../fixtures/webhooks/${name}.json`, import.meta.url), "utf8"));
}

/** The same payload as GitHub sends it to an App installation (examples lack `installation`). */
export function installationEvent(name: string, installationId: number): Payload {
  const payload = webhookFixture(name);
  payload.installation = { id: installationId, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
  return payload;
}
