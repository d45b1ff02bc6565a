// The app's logger: Probot's own (pino through @probot/pino, read from the same LOG_* variables),
// with the secrets that requests carry redacted.
//
// Probot logs every HTTP request with its headers. Requests to /api/v1/report and /metrics carry
// `Authorization: Bearer <API token>`; a browser adds cookies. Those headers are written as
// "[Redacted]", whatever the log format.

import { getTransformStream } from "@probot/pino";
import pino, { type Logger } from "pino";

/** Request headers never written to the log (pino-http logs them under `req.headers`). */
export const REDACTED_HEADERS = ["authorization", "cookie", "proxy-authorization"] as const;

export async function createLog(env: NodeJS.ProcessEnv): Promise<Logger> {
  // As Probot's readEnvOptions reads them: JSON in production unless LOG_FORMAT says otherwise.
  const logFormat = env.LOG_FORMAT
    ? env.LOG_FORMAT === "pretty"
      ? "pretty"
      : "json"
    : env.NODE_ENV === "production"
      ? "json"
      : "pretty";
  const transform = await getTransformStream({
    logFormat,
    logLevelInString: env.LOG_LEVEL_IN_STRING === "true",
    ...(env.SENTRY_DSN ? { sentryDsn: env.SENTRY_DSN } : {}),
  });
  // As Probot does (its transform is a stream.Transform; pino's destination a SonicBoom).
  transform.pipe(pino.destination(1) as unknown as NodeJS.WritableStream);
  return pino(
    {
      level: env.LOG_LEVEL?.trim() || "info",
      name: "probot",
      messageKey: env.LOG_MESSAGE_KEY || "msg",
      redact: { paths: REDACTED_HEADERS.map((h) => `req.headers["${h}"]`), censor: "[Redacted]" },
      onChild: withoutRepeatedBindings,
    },
    transform,
  );
}

/**
 * Each line names one logger. Probot names its children (`probot`, `octokit`, `server`, …) and so
 * do we (`shipledger`, `inbox`, `http`, …), and pino appends a child's bindings to its parent's as
 * JSON text, never replacing a key: a line would carry `"name"` three times. Rewritten once per
 * child (not per line), the innermost value of each key wins, where the key first appeared, as
 * JSON.parse would read it (pino's own bindings() parses them the same way).
 */
function withoutRepeatedBindings(child: Logger): void {
  const holder = child as unknown as Record<symbol, string>;
  const chindings = holder[pino.symbols.chindingsSym] ?? "";
  if (chindings === "") return;
  const unique = JSON.stringify(JSON.parse(`{${chindings.slice(1)}}`));
  holder[pino.symbols.chindingsSym] = `,${unique.slice(1, -1)}`;
}
