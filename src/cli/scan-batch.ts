// One batch of `shipledger scan`: whole git log records in, jsonl lines out, counts added up. No I/O.

import { type AttributionOptions, attributeCommit } from "../attribution/attribute.js";
import { type RecordEvidence, withRecords } from "../attribution/records.js";
import { splitMessage, type Trailer } from "../attribution/trailers.js";
import type { CommitAttribution } from "../attribution/types.js";
import { decodeCommits, type GitCommit, type Records } from "../git/objects.js";
import { gitLogTrailers } from "../git/trailers.js";
import { commitLine } from "./scan-json.js";
import type { ScanSummary } from "./scan-report.js";

export type ScanFormat = "table" | "json" | "jsonl";

/** Lines encoded straight into buffers: no joined string, no second pass to measure them. */
class LineSink {
  readonly filled: Uint8Array[] = [];
  private buffer: Buffer | null = null;
  private used = 0;

  constructor(private readonly size: number) {}

  add(line: string): void {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8; one more byte for the newline.
    const room = line.length * 3 + 1;
    if (this.buffer === null || this.used + room > this.buffer.length) {
      this.end();
      this.buffer = Buffer.allocUnsafe(Math.max(this.size, room));
    }
    const buffer = this.buffer;
    this.used += buffer.write(line, this.used);
    buffer[this.used++] = 0x0a;
  }

  /** The lines so far, as UTF-8 in a few buffers. */
  end(): Uint8Array[] {
    if (this.buffer !== null && this.used > 0) this.filled.push(this.buffer.subarray(0, this.used));
    this.buffer = null;
    this.used = 0;
    return this.filled;
  }
}

/**
 * What a commit looks like in `--format jsonl`; `trailers` as git log reports them. The line itself
 * is written by scan-json.ts's commitLine, which gives the same text as JSON.stringify of this.
 */
export function commitRecord(commit: GitCommit, trailers: readonly Trailer[], attribution: CommitAttribution) {
  return {
    sha: commit.sha,
    parents: commit.parents,
    author: commit.author,
    committer: commit.committer,
    trailers,
    ai: attribution.ai,
    agents: attribution.agents,
    models: attribution.models,
    sessions: attribution.sessions,
    evidence: attribution.evidence,
    ignored: attribution.ignored,
    ...(attribution.lines ? { lines: attribution.lines } : {}),
    ...(attribution.authorIgnored ? { authorIgnored: true } : {}),
    ...(commit.truncated ? { truncated: true } : {}),
  };
}

/**
 * Attributes the commits of `records` (ObjectFramer's output). For `jsonl`, returns their lines as
 * UTF-8, in one or more pieces; for `table` and `json`, adds them to `summary` (the only formats
 * that print it) and returns nothing.
 */
export function scanRecords(
  records: Records,
  format: ScanFormat,
  options: AttributionOptions,
  summary: ScanSummary,
  maxFieldLength?: number,
): Uint8Array[] {
  return scanCommits(decodeCommits(records, maxFieldLength), records.bytes.length, format, options, summary);
}

/**
 * scanRecords on decoded commits, with their agent records (RecordSource, by sha) joined to their
 * attribution when given. `bytes`: the size of the git output they were decoded from.
 */
export function scanCommits(
  commits: readonly GitCommit[],
  bytes: number,
  format: ScanFormat,
  options: AttributionOptions,
  summary: ScanSummary,
  agentRecords?: ReadonlyMap<string, readonly RecordEvidence[]>,
): Uint8Array[] {
  const attribute = (commit: GitCommit, split?: ReturnType<typeof splitMessage>) => {
    const attribution = attributeCommit(commit, options, split);
    const found = agentRecords?.get(commit.sha);
    if (found === undefined) return attribution;
    summary.addRecords(found);
    return withRecords(attribution, found, options.attribution.disableMarkers);
  };
  if (format !== "jsonl") {
    for (const commit of commits) {
      // A GitCommit is a CommitInput (its people have no GitHub login).
      summary.add(commit, attribute(commit));
    }
    return [];
  }
  // jsonl is about 0.8 bytes per byte of git cat-file output; lines are checked against 3 bytes a unit.
  const lines = new LineSink(2 * bytes);
  for (const commit of commits) {
    // Split once: the engine and the jsonl trailers both need it.
    const split = splitMessage(commit.message);
    const attribution = attribute(commit, split);
    lines.add(commitLine(commit, gitLogTrailers(commit.message, split.trailers), attribution));
  }
  return lines.end();
}
