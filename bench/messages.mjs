// Commit messages shaped like a real project's, from a seeded random source: a subject, git.git-like
// body paragraphs, Signed-off-by / Reviewed-by / Fixes trailers, and about a third with AI markers
// of one kind or another (Claude Code, Copilot, Aider, kernel-style Assisted-by, Cursor, Codex, Amp),
// now and then a squash-style list of 20-200 items or a 1 MB message. Shared by the benchmarks
// (bench/scan.mjs, bench/backfill-requests.mjs); the same seed gives the same messages.

/**
 * The generator for one seeded source (bench/random.mjs `seeded`). It draws from that source, so a
 * benchmark that draws other things from it too keeps its whole sequence.
 */
export function commitMessages({ random, pick, between }) {
  const VERBS = ["Fix", "Add", "Remove", "Refactor", "Update", "Improve", "Handle", "Document", "Test", "Rename"];
  const THINGS = [
    "race in cache invalidation",
    "retry budget for webhook deliveries",
    "pagination of pull request commits",
    "null check in deployment linking",
    "flaky integration test on Postgres",
    "config schema defaults",
    "CLI help text",
    "rollback detection",
    "lead time calculation",
    "session link parsing",
    "error message when the token expires",
    "memory leak in the worker pool",
  ];
  const WORDS =
    "the a to of and in that is for it with as was on be by this which or from at are an not have has but were they their one all would there been if more when will so can who out what about up its into than them only other then some could these two may first any like now my such make over our even most me state also after did many before must through back years where much your way down should because each just those people how too little very well being long".split(
      " ",
    );
  const HUMANS = [
    ["Alice Martin", "alice@example.com"],
    ["Bob Chen", "bob.chen@example.org"],
    ["Chiara Rossi", "chiara@example.it"],
    ["Dmitri Ivanov", "dmitri@example.net"],
    ["Émilie Dubois", "emilie@example.fr"],
    ["Farah Khan", "farah@example.com"],
    ["Gonzalo Pérez", "gonzalo@example.es"],
    ["Hiroshi Tanaka", "hiroshi@example.jp"],
    ["Claude Dupont", "claude.dupont@example.fr"], // a person called Claude
  ];
  const CLAUDE_MODELS = ["Claude", "Claude Sonnet 4.5", "Claude Opus 4.1 (1M context)", "Claude Haiku 4.5"];
  const MODELS = ["claude-3-opus", "gpt-4o", "claude-sonnet-4-5", "o3-mini", "gemini-2.5-pro", "gpt-5"];

  function paragraph(lines) {
    const out = [];
    for (let i = 0; i < lines; i++) {
      const words = [];
      while (words.join(" ").length < 60) words.push(pick(WORDS));
      out.push(words.join(" "));
    }
    const text = out.join("\n");
    return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
  }

  function body() {
    const paragraphs = [];
    const n = pick([0, 1, 1, 2, 2, 3]);
    for (let i = 0; i < n; i++) paragraphs.push(paragraph(between(1, 5)));
    return paragraphs;
  }

  function hex(n) {
    let s = "";
    for (let i = 0; i < n; i++) s += "0123456789abcdef"[Math.floor(random() * 16)];
    return s;
  }

  function uuid() {
    return `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;
  }

  /** One commit: author and message. About a third carry AI markers of one kind or another. */
  function commitFor(i) {
    const [name, email] = pick(HUMANS);
    const subject = `${pick(VERBS)} ${pick(THINGS)}`;
    const parts = [subject, ...body()];
    const trailers = [];
    let author = `${name} <${email}>`;
    const r = random();
    if (r < 0.12) {
      parts.push("🤖 Generated with [Claude Code](https://claude.com/claude-code)");
      trailers.push(`Co-Authored-By: ${pick(CLAUDE_MODELS)} <noreply@anthropic.com>`);
      if (random() < 0.3) trailers.push(`Claude-Session: https://claude.ai/code/session_01${hex(22)}`);
    } else if (r < 0.2) {
      trailers.push(`Co-authored-by: Copilot <198982749+Copilot@users.noreply.github.com>`);
      if (random() < 0.5) trailers.push(`Agent-Logs-Url: https://github.com/acme/api/sessions/${uuid()}`);
    } else if (r < 0.24) {
      author = `${name} (aider) <${email}>`;
      parts[0] = `aider: ${subject}`;
    } else if (r < 0.26) {
      trailers.push(`Co-authored-by: aider (${pick(MODELS)}) <aider@aider.chat>`);
    } else if (r < 0.31) {
      trailers.push(
        `Assisted-by: ${pick(["Claude", "Copilot", "Codex", "Cursor"])}:${pick(MODELS)} [coccinelle] [sparse]`,
      );
    } else if (r < 0.33) {
      const [helper] = pick(HUMANS);
      trailers.push(`Assisted-by: ${helper}`); // curl's human helpers: not AI
    } else if (r < 0.35) {
      trailers.push("Co-authored-by: Cursor <cursoragent@cursor.com>");
    } else if (r < 0.36) {
      trailers.push("Co-authored-by: Codex <noreply@openai.com>");
    } else if (r < 0.37) {
      trailers.push(`Amp-Thread-ID: https://ampcode.com/threads/T-${uuid()}`, "Co-authored-by: Amp <amp@ampcode.com>");
    }
    if (random() < 0.25) trailers.push(`Signed-off-by: ${name} <${email}>`);
    if (random() < 0.1) {
      const [reviewer, reviewerEmail] = pick(HUMANS);
      trailers.push(`Reviewed-by: ${reviewer} <${reviewerEmail}>`);
    }
    if (random() < 0.05) trailers.push(`Fixes: #${between(1, 9999)}`);
    // Long messages: squash merges that concatenate many commit messages, pasted logs.
    const long = random();
    if (long < 0.003) {
      const items = [];
      for (let k = between(20, 200); k > 0; k--) items.push(`* ${pick(VERBS)} ${pick(THINGS)}\n\n  ${paragraph(2)}`);
      parts.push(items.join("\n\n"));
    } else if (i % 33_337 === 1000) {
      parts.push(`${"x".repeat(1023)}\n`.repeat(1024)); // a 1 MB message
    }
    if (trailers.length > 0) parts.push(trailers.join("\n"));
    return { author, message: `${parts.join("\n\n")}\n` };
  }

  return { commitFor };
}
