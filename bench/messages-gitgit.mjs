// Commit messages shaped like git.git's, from a seeded random source: the `gitgit` profile of
// bench/scan.mjs. What it imitates, measured on git.git's history: message lengths (median ≈ 580
// bytes, mean ≈ 780, p90 ≈ 1,570, p99 ≈ 3,700: a log-normal target length, σ = 0.87, that the body is filled to), an
// `area: what changed` subject, long explanatory bodies of 72-column prose, now and then an
// indented shell session, C code or diff, a quoted email with its lore link, and git.git's trailers
// (Helped-by, Reported-by, Acked-by, Reviewed-by, Mentored-by, Suggested-by, Based-on-patch-by,
// then a chain of 1-4 Signed-off-by ending with the maintainer's); a few `Assisted-by:` lines of
// an AI agent; about one commit in eight a `Merge branch 'xx/topic'` with its shortlog. Authors
// are drawn from ~300 people, a few prolific; the maintainer commits most of them.
//
// Prose is built word by word from sentence patterns, so no two paragraphs repeat (git's own
// bodies do not), and each message is filled to a length drawn from the distribution above.

/** The generator for one seeded source (bench/random.mjs `seeded`). */
export function gitGitMessages({ random, pick, between }) {
  const MAINTAINER = ["Junio C Hamano", "gitster@pobox.com"];
  const FIRST = (
    "Jeff Patrick Taylor Johannes René Ævar Elijah Derrick Phillip Jonathan Christian Karthik Jiang Ramsay " +
    "Eric Brian Stefan Nguyễn Đức Duy Glen Ævar Martin Kyle Josh Victoria Emily Han-Wen Jeff Lessley Calvin " +
    "Toon Justin Rubén Kristoffer Alex Denton Carlo Dragan Matheus Shuqi Xing Usman Ghanshyam Chandra Torsten " +
    "Linus Shawn Thomas Michael Nicolas Jakub Sverre Dmitry Đoàn Trần Công Danh Orgad Oswald Mike Tao Ben Andrzej"
  ).split(" ");
  const LAST = (
    "King Steinhardt Blau Schindelin Scharfe Arnfjörð Newren Stolee Wood Tan Couder Nayak Xin Jones Sunshine " +
    "Sunshine Carlson Beller Huynh Wong Ågren Meyer Steadmon Baumann Nieder Hostetler Sixt Rast Tosa Pearce " +
    "Torvalds Gummerer Shi Krumbach Kolodziej Hamano Pintér Dević Bardakoff Zhang Reis Oslon Toon Ahmed Dupont"
  ).split(" ");
  const DOMAINS = ["gmail.com", "github.com", "google.com", "peff.net", "pks.im", "web.de", "kitware.com", "gmx.de"];
  const people = [];
  for (let i = 0; i < 300; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const local = `${first}.${last}`
      .normalize("NFD")
      .replace(/[^A-Za-z.]/g, "")
      .toLowerCase();
    people.push([`${first} ${last}`, `${local}${i % 7 === 0 ? i : ""}@${pick(DOMAINS)}`]);
  }
  /** A few prolific contributors, a long tail. */
  const person = () => people[Math.min(people.length - 1, Math.floor(people.length * random() ** 3))];

  const AREAS = (
    "builtin/log diff refs reftable sequencer rebase merge-ort t/helper t0000 t1400 t3404 t4014 t5516 t7004 " +
    "Documentation doc/git-config ci Makefile meson config.mak.uname fetch-pack upload-pack send-pack " +
    "pack-objects pack-bitmap midx commit-graph bloom revision log-tree pretty grep apply am format-patch " +
    "gitweb git-gui contrib/completion worktree submodule fsmonitor sparse-checkout cache-tree read-cache " +
    "unpack-trees object-file odb loose packfile trace2 credential http remote-curl transport protocol-v2 " +
    "bundle-uri maintenance gc repack reflog fsck strbuf string-list hashmap oidmap mailmap blame " +
    "diffcore-rename userdiff xdiff compat/mingw compat/regex wrapper setup environment path abspath " +
    "parse-options usage help am/mailinfo trailer interpret-trailers notes stash bisect cat-file ls-files"
  ).split(" ");
  const VERBS = (
    "fix avoid drop teach introduce use stop allow handle plug refactor simplify rename move document " +
    "clarify add remove convert free mark reject accept honor respect propagate" +
    " pass return die"
  ).split(" ");
  const SUBJECT_OBJECTS = [
    "memory leak when the ref iterator is released early",
    "the `--stdin` option to read object names",
    "off-by-one in the hunk header computation",
    "a NULL pointer dereference on an empty repository",
    "the use of the_repository in favor of a parameter",
    "quadratic behaviour when many refs share a prefix",
    "a racy test that depends on the filesystem timestamp",
    "stale comment about the lockfile convention",
    "missing error check after reading the index",
    "the configuration variable to the documentation",
    "unused parameters from the callback functions",
    "inconsistent exit codes for usage errors",
    "an obsolete workaround for old compilers",
    "the packfile URI when fetching from a bundle",
    "the worktree lock when pruning stale entries",
    "a die() with a translatable message",
    "trailing whitespace in the generated output",
    "integer overflow in the size computation",
  ];
  const NOUNS = (
    "caller callee function helper loop iterator ref reference backend index entry object packfile bitmap " +
    "commit tree blob tag branch remote transport option flag variable configuration setting test script " +
    "message buffer strbuf string list array hashmap pointer allocation lockfile tempfile file descriptor " +
    "process child parent repository worktree submodule path pathspec glob pattern delta chain header hunk " +
    "patch series topic user platform compiler warning check condition case codepath fallback"
  ).split(" ");
  const ADJS = (
    "existing new old stale empty missing broken unused redundant global local temporary quadratic linear " +
    "expensive cheap shallow partial sparse bare loose packed racy flaky portable obscure subtle rare common"
  ).split(" ");
  const VERB3 = (
    "calls returns frees allocates reads writes parses checks ignores skips leaks loses overwrites " +
    "expects assumes triggers reports rejects accepts handles passes propagates caches revisits walks"
  ).split(" ");
  const VERBI = (
    "call return free allocate read write parse check ignore skip lose overwrite expect assume " +
    "trigger report reject accept handle pass propagate cache revisit walk"
  ).split(" ");
  const CONNECT = [
    "because",
    "but",
    "so",
    "and",
    "while",
    "even though",
    "since",
    "unless",
    "which means that",
    "so that",
    "before",
    "after",
    "when",
  ];
  const OPENERS = [
    "In practice",
    "Historically",
    "Worse yet",
    "To make matters worse",
    "As it turns out",
    "In the common case",
    "With this change",
    "Unfortunately",
    "Before this patch",
    "Since the previous commit",
    "On some platforms",
    "Fortunately",
    "Instead",
    "Note that",
    "As a result",
    "For now",
  ];

  const np = () => (random() < 0.5 ? `the ${pick(ADJS)} ${pick(NOUNS)}` : `the ${pick(NOUNS)}`);
  const ident = () =>
    random() < 0.5
      ? `${pick(NOUNS)}_${pick(NOUNS)}()`
      : `\`${pick(["git", "git"])} ${pick(["log", "fetch", "rebase", "repack", "gc", "diff", "am"])} --${pick(NOUNS)}\``;
  function clause() {
    switch (Math.floor(random() * 6)) {
      case 0:
        return `${np()} ${pick(VERB3)} ${np()}`;
      case 1:
        return `we ${pick(VERBI)} ${np()} in ${ident()}`;
      case 2:
        return `${ident()} ${pick(VERB3)} ${np()} ${pick(["twice", "too early", "without checking", "on every iteration", "for each ref", "again"])}`;
      case 3:
        return `there is no reason to ${pick(VERBI)} ${np()} here`;
      case 4:
        return `${np()} may ${pick(VERBI)} ${np()}`;
      default:
        return `it is not obvious that ${np()} ${pick(VERB3)} ${np()}`;
    }
  }
  function sentence() {
    let s = clause();
    if (random() < 0.65) s += ` ${pick(CONNECT)} ${clause()}`;
    if (random() < 0.2) s += `, ${pick(CONNECT)} ${clause()}`;
    if (random() < 0.3) s = `${pick(OPENERS)}, ${s}`;
    if (random() < 0.05)
      s += ` (see ${hex(12)} (${pick(AREAS)}: ${pick(VERBS)} ${pick(SUBJECT_OBJECTS)}, ${2005 + between(0, 20)}-${pad(between(1, 12))}-${pad(between(1, 28))}))`;
    return `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;
  }
  const pad = (n) => String(n).padStart(2, "0");
  function hex(n) {
    let s = "";
    for (let i = 0; i < n; i++) s += "0123456789abcdef"[Math.floor(random() * 16)];
    return s;
  }

  /** Words wrapped at 72 columns, as git.git's contributors write them. */
  function wrap(text, indent = "") {
    const lines = [];
    let line = indent;
    for (const word of text.split(" ")) {
      if (line.length > indent.length && line.length + 1 + word.length > 72) {
        lines.push(line);
        line = indent + word;
      } else line += line.length > indent.length ? ` ${word}` : word;
    }
    lines.push(line);
    return lines.join("\n");
  }
  /** 1-5 sentences, fewer when `budget` (characters) runs out first. */
  function paragraph(budget = Number.POSITIVE_INFINITY) {
    const sentences = [];
    let size = 0;
    for (let n = between(1, 5); n > 0 && size < budget; n--) {
      const s = sentence();
      sentences.push(s);
      size += s.length + 1;
    }
    // Some write two spaces after a full stop, as git.git's older commits do.
    return wrap(sentences.join(random() < 0.3 ? "  " : " "));
  }

  function codeBlock() {
    switch (Math.floor(random() * 4)) {
      case 0: {
        const lines = [
          `    $ git ${pick(["log", "fetch", "rev-list", "cat-file"])} --${pick(NOUNS)} ${pick(["HEAD", "main", "origin/next", "--all"])}`,
        ];
        for (let n = between(1, 6); n > 0; n--)
          lines.push(`    ${pick(["error", "warning", "fatal", "hint"])}: ${clause()}`);
        return lines.join("\n");
      }
      case 1: {
        const fn = `${pick(NOUNS)}_${pick(NOUNS)}`;
        const lines = [`\tstatic int ${fn}(struct ${pick(NOUNS)} *${pick(NOUNS)}, const char *${pick(NOUNS)})`, "\t{"];
        for (let n = between(2, 8); n > 0; n--)
          lines.push(
            `\t\tif (${pick(NOUNS)}->${pick(NOUNS)} ${pick(["<", "==", "!="])} ${between(0, 64)})`,
            `\t\t\treturn error(_("${clause()}"));`,
          );
        lines.push("\t}");
        return lines.join("\n");
      }
      case 2: {
        const lines = [
          `    --- a/${pick(AREAS)}.c`,
          `    +++ b/${pick(AREAS)}.c`,
          `    @@ -${between(1, 900)},${between(3, 9)} +${between(1, 900)},${between(3, 9)} @@`,
        ];
        for (let n = between(3, 10); n > 0; n--)
          lines.push(
            `    ${pick([" ", " ", "-", "+"])}\t${pick(NOUNS)} = ${pick(NOUNS)}_${pick(VERBI)}(${pick(NOUNS)});`,
          );
        return lines.join("\n");
      }
      default: {
        const lines = [];
        for (let n = between(2, 5); n > 0; n--)
          lines.push(`    ${hex(7)} ${pick(AREAS)}: ${pick(VERBS)} ${pick(SUBJECT_OBJECTS)}`);
        return lines.join("\n");
      }
    }
  }

  function quotedEmail() {
    const [who] = person();
    const quote = wrap([sentence(), sentence()].join(" "), "> ").split("\n");
    const id = `${hex(8)}.${between(1000, 99999)}@${pick(["github.com", "gmail.com", "pks.im", "coredump.intra.peff.net"])}`;
    return `${who} wrote in [1]:\n\n${quote.join("\n")}\n\n${paragraph()}\n\n[1] https://lore.kernel.org/git/${id}/`;
  }

  const TRAILERS = [
    ["Helped-by", 0.12],
    ["Reported-by", 0.08],
    ["Acked-by", 0.04],
    ["Reviewed-by", 0.06],
    ["Mentored-by", 0.02],
    ["Suggested-by", 0.04],
    ["Based-on-patch-by", 0.01],
    ["Tested-by", 0.02],
    ["Original-patch-by", 0.005],
  ];
  const AGENTS = ["Opus 4.7", "Claude Sonnet 4.5", "Codex:gpt-5-codex", "Claude:claude-opus-4-1", "GitHub Copilot"];

  function trailerBlock(author) {
    const lines = [];
    for (const [key, share] of TRAILERS) {
      if (random() >= share) continue;
      for (let n = random() < 0.8 ? 1 : between(2, 3); n > 0; n--) {
        const [name, email] = person();
        lines.push(`${key}: ${name} <${email}>`);
      }
    }
    if (random() < 0.01) lines.push(`Assisted-by: ${pick(AGENTS)}`);
    // A chain of 1-4: the author's, sometimes a co-author's or a sub-maintainer's, the maintainer's.
    const chain = [author];
    if (random() < 0.12) chain.push(person());
    if (random() < 0.05) chain.push(person());
    if (author[0] !== MAINTAINER[0]) chain.push(MAINTAINER);
    for (const [name, email] of chain) lines.push(`Signed-off-by: ${name} <${email}>`);
    return lines.join("\n");
  }

  /** A message length drawn from git.git's distribution: log-normal, filled to it sentence by sentence. */
  function targetLength() {
    // Box-Muller: a standard normal.
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.round(Math.exp(Math.log(500) + 0.87 * z));
  }

  /** One commit of the history (`merge`: whether it merges a topic): author, committer, message. */
  function commitFor(merge) {
    const author = merge ? MAINTAINER : person();
    const length = targetLength();
    if (merge) {
      const topic = `${author[1].slice(0, 2)}/${pick(NOUNS)}-${pick(NOUNS)}`;
      const subject = `Merge branch '${topic}'`;
      const items = [];
      for (let n = between(1, 8); n > 0; n--) items.push(`  ${pick(AREAS)}: ${pick(VERBS)} ${pick(SUBJECT_OBJECTS)}`);
      const parts = [subject, wrap(`${sentence()} ${sentence()}`)];
      if (random() < 0.3) parts.push(wrap(sentence()));
      parts.push(`* ${topic}:\n${items.join("\n")}`);
      return { author, committer: MAINTAINER, message: `${parts.join("\n\n")}\n` };
    }
    const subject = `${pick(AREAS)}: ${pick(VERBS)} ${pick(SUBJECT_OBJECTS)}`;
    const trailers = trailerBlock(author);
    const parts = [subject];
    let size = subject.length + trailers.length + 4;
    while (size < length) {
      const r = random();
      const part = r < 0.08 ? codeBlock() : r < 0.1 ? quotedEmail() : paragraph(length - size);
      parts.push(part);
      size += part.length + 2;
    }
    parts.push(trailers);
    return { author, committer: random() < 0.93 ? MAINTAINER : author, message: `${parts.join("\n\n")}\n` };
  }

  return { commitFor };
}
