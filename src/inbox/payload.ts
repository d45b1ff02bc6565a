// What the inbox needs to know of a webhook body before it is stored, and the limits a body must
// hold to be stored at all. Pure: text in, verdict out.

/** GitHub's payloads nest about a dozen levels; anything far deeper is not a webhook. */
export const MAX_PAYLOAD_DEPTH = 64;

export interface PayloadFields {
  action: string | null;
  installationId: number | null;
  repositoryId: number | null;
  repositoryFullName: string | null;
}

export interface PayloadShape extends PayloadFields {
  ok: true;
  /** The body as received, decoded from UTF-8. */
  text: string;
  payload: Record<string, unknown>;
}

export type PayloadCheck = PayloadShape | { ok: false; error: string };

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** The inbox columns of a parsed payload; absent or ill-typed fields are null. */
export function payloadFields(payload: Record<string, unknown>): PayloadFields {
  const p = payload as {
    action?: unknown;
    installation?: { id?: unknown } | null;
    repository?: { id?: unknown; full_name?: unknown } | null;
  };
  const installationId = p.installation?.id;
  const repositoryId = p.repository?.id;
  const fullName = p.repository?.full_name;
  return {
    action: typeof p.action === "string" ? p.action : null,
    installationId: typeof installationId === "number" ? installationId : null,
    repositoryId: typeof repositoryId === "number" ? repositoryId : null,
    repositoryFullName: typeof fullName === "string" ? fullName : null,
  };
}

/**
 * The deepest nesting of arrays and objects in JSON text, or more than `limit` as soon as it is
 * exceeded (so a hostile body costs one pass at most). Strings are skipped whole with indexOf,
 * escapes included: most of a payload is strings (URLs, texts), so most of it is never looped over.
 */
export function jsonDepth(text: string, limit = MAX_PAYLOAD_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // The closing quote: the next one not escaped by an odd run of backslashes.
      for (;;) {
        const close = text.indexOf('"', i + 1);
        if (close === -1) return deepest;
        let slashes = 0;
        for (let k = close - 1; text.charCodeAt(k) === 0x5c /* \ */; k--) slashes++;
        i = close;
        if (slashes % 2 === 0) break;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return deepest;
}

/** Whether a verified body can be stored as a delivery, and what the inbox records of it. */
export function checkPayloadShape(body: Uint8Array | string, maxDepth = MAX_PAYLOAD_DEPTH): PayloadCheck {
  let text: string;
  if (typeof body === "string") text = body;
  else {
    try {
      text = utf8.decode(body);
    } catch {
      return { ok: false, error: "the payload is not UTF-8 text" };
    }
  }
  const first = /\S/.exec(text)?.[0];
  if (first !== "{") {
    const what = first === undefined ? "empty" : first === "[" ? "an array" : "not an object";
    return { ok: false, error: `the payload must be a JSON object; it is ${what}` };
  }
  if (jsonDepth(text, maxDepth) > maxDepth) {
    return { ok: false, error: `the payload nests deeper than ${maxDepth} levels` };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `the payload is not valid JSON (${String((error as Error).message).slice(0, 120)})` };
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    return { ok: false, error: "the payload must be a JSON object" };
  }
  const record = payload as Record<string, unknown>;
  return { ok: true, text, payload: record, ...payloadFields(record) };
}
