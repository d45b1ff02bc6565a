// Headers declaring a large body reserve nothing: memory is charged as bytes arrive. Four
// connections that send only a head declaring 25 MB (no body, a forged signature, anyone can) held
// the whole 100 MB budget for the body timeout, and GitHub's deliveries meanwhile got 503 "busy".
import { connect, type Socket } from "node:net";
import { pino } from "pino";
import { afterEach, expect, it } from "vitest";
import type { NewDelivery } from "../../src/store/types.js";
import { createHttpServer, type HttpServer } from "../../src/web/http-server.js";
import { createWebhookIntake, GITHUB_MAX_PAYLOAD_BYTES, WEBHOOK_PATH } from "../../src/web/webhook-intake.js";
import { sign } from "../helpers/app-process.js";

const SECRET = "s3cret";
let http: HttpServer | null = null;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await http?.stop(0);
});

it("a few forged heads declaring 25 MB (no body, no valid signature) do not lock out GitHub's deliveries", async () => {
  const stored: NewDelivery[] = [];
  const log = pino({ level: "silent" });
  http = createHttpServer({ host: "127.0.0.1", port: 0, log });
  http.use(
    createWebhookIntake({
      secret: SECRET,
      store: async (d) => {
        stored.push(d);
        return { inserted: true, requeued: false };
      },
      log,
      now: Date.now,
    }),
  );
  await http.start();
  const { port } = new URL(http.url);
  // The attacker: heads only, a forged signature, 25 MB declared, nothing sent after.
  for (let i = 0; i < 4; i++) {
    const s = connect(Number(port), "127.0.0.1");
    sockets.push(s);
    await new Promise<void>((r) => s.once("connect", () => r()));
    s.write(
      [
        `POST ${WEBHOOK_PATH} HTTP/1.1`,
        `host: 127.0.0.1:${port}`,
        "content-type: application/json",
        "x-github-event: push",
        `x-github-delivery: forged-${i}`,
        `x-hub-signature-256: sha256=${"0".repeat(64)}`,
        `content-length: ${GITHUB_MAX_PAYLOAD_BYTES}`,
        "",
        "",
      ].join("\r\n"),
    );
  }
  await new Promise((r) => setTimeout(r, 100));
  // GitHub's genuine, correctly signed, 2 kB delivery.
  const body = JSON.stringify({ action: "opened", installation: { id: 1 }, padding: "x".repeat(2000) });
  const res = await fetch(`${http.url}${WEBHOOK_PATH}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "pull_request",
      "x-github-delivery": "genuine-1",
      "x-hub-signature-256": sign(body, SECRET),
    },
    body,
  });
  expect({ status: res.status, body: (await res.text()).trim() }).toEqual({
    status: 200,
    body: '{"ok":true,"stored":"new"}',
  });
});
