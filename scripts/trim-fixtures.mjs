// Regenerates test/fixtures/webhooks/*.json: real payloads from @octokit/webhooks-examples,
// trimmed of the many *_url fields that Shipledger never reads. Run: node scripts/trim-fixtures.mjs
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const index = require("@octokit/webhooks-examples/api.github.com/index.json");

// fixture name → [event, action, nth example of that action]
const wanted = {
  "installation.created": ["installation", "created", 0],
  "installation.deleted": ["installation", "deleted", 0],
  "installation_repositories.added": ["installation_repositories", "added", 0],
  "installation_repositories.removed": ["installation_repositories", "removed", 0],
  "pull_request.opened": ["pull_request", "opened", 0],
  "pull_request.synchronize": ["pull_request", "synchronize", 0],
  "pull_request.closed": ["pull_request", "closed", 0],
  "deployment_status.created": ["deployment_status", "created", 0],
  "check_run.rerequested": ["check_run", "rerequested", 0],
  "check_suite.rerequested": ["check_suite", "rerequested", 0],
  "pull_request.reopened": ["pull_request", "reopened", 0],
  "pull_request.ready_for_review": ["pull_request", "ready_for_review", 0],
  ping: ["ping", undefined, 0],
};

function trim(value) {
  if (Array.isArray(value)) return value.map(trim);
  if (value === null || typeof value !== "object") return value;
  const out = {};
  for (const [key, v] of Object.entries(value)) {
    if (key.endsWith("_url") && key !== "html_url") continue;
    if (key === "url" && typeof v === "string" && v.startsWith("https://api.github.com/")) continue;
    out[key] = trim(v);
  }
  return out;
}

mkdirSync("test/fixtures/webhooks", { recursive: true });
for (const [name, [event, action, nth]] of Object.entries(wanted)) {
  const examples = index.find((e) => e.name === event).examples.filter((x) => x.action === action);
  const example = examples[nth];
  if (!example) throw new Error(`no example for ${name}`);
  writeFileSync(`test/fixtures/webhooks/${name}.json`, `${JSON.stringify(trim(example), null, 2)}\n`);
}
console.log(`wrote ${Object.keys(wanted).length} fixtures`);
