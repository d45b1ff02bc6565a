// The body of a dashboard form (application/x-www-form-urlencoded): small, and in time. A browser
// sends a form in one go; a body that is larger, slower or of another type is not one of ours.
import type { IncomingMessage } from "node:http";

export const FORM_MAX_BYTES = 16 * 1024;
export const FORM_TIMEOUT_MS = 10_000;

/** A form that cannot be read, with the HTTP status that says why. */
export class FormError extends Error {
  override name = "FormError";
  constructor(
    readonly status: 408 | 413 | 415 | 400,
    message: string,
  ) {
    super(message);
  }
}

export interface FormLimits {
  maxBytes?: number;
  timeoutMs?: number;
}

/** Reads a urlencoded form; throws a FormError (415, 413, 408, 400) for anything else. */
export async function readForm(req: IncomingMessage, limits: FormLimits = {}): Promise<URLSearchParams> {
  const maxBytes = limits.maxBytes ?? FORM_MAX_BYTES;
  const timeoutMs = limits.timeoutMs ?? FORM_TIMEOUT_MS;
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    throw new FormError(415, "expected a form (application/x-www-form-urlencoded)");
  }
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBytes) throw new FormError(413, "the form is too large");

  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: FormError | null) => {
      clearTimeout(timer);
      req.off("data", onData).off("end", onEnd).off("error", onError).off("aborted", onAborted);
      if (error) {
        // What is left is not read: the connection is not kept for another request.
        req.resume();
        reject(error);
      } else resolve(Buffer.concat(chunks).toString("utf8"));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) finish(new FormError(413, "the form is too large"));
      else chunks.push(chunk);
    };
    const onEnd = () => finish(null);
    const onError = () => finish(new FormError(400, "the form was not received"));
    const onAborted = onError;
    const timer = setTimeout(() => finish(new FormError(408, "the form took too long to arrive")), timeoutMs);
    req.on("data", onData).on("end", onEnd).on("error", onError).on("aborted", onAborted);
  });
  return new URLSearchParams(text);
}
