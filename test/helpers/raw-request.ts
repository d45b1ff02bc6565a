// A request over a raw socket, as the internet sends them: the head, then the body in parts with
// pauses, optionally hanging up before the end. Resolves with what the server answered (status
// null: no answer), once the connection closes.

import { connect } from "node:net";

export interface RawResult {
  status: number | null;
  body: string;
}

export type RawPart = Buffer | string | { pauseMs: number } | "hangup";

export function rawRequest(
  url: string,
  path: string,
  head: Record<string, string>,
  parts: RawPart[],
  options: { closeAfter?: boolean; stopWhenAnswered?: boolean } = {},
): Promise<RawResult> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let answer = "";
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
      resolve({ status: status ? Number(status) : null, body: answer.split("\r\n\r\n").slice(1).join("\r\n\r\n") });
    };
    socket.on("data", (d) => {
      answer += d.toString();
    });
    socket.on("close", finish);
    socket.on("error", finish);
    socket.on("connect", async () => {
      const lines = [`POST ${path} HTTP/1.1`, `host: ${hostname}:${port}`];
      if (options.closeAfter) lines.push("connection: close");
      for (const [k, v] of Object.entries(head)) lines.push(`${k}: ${v}`);
      socket.write(`${lines.join("\r\n")}\r\n\r\n`);
      for (const part of parts) {
        if (socket.destroyed || (options.stopWhenAnswered && answer !== "")) break;
        if (part === "hangup") {
          socket.destroy();
          return;
        }
        if (typeof part === "object" && "pauseMs" in part) await new Promise((r) => setTimeout(r, part.pauseMs));
        else await new Promise<void>((r) => socket.write(part, () => r()));
      }
    });
  });
}
