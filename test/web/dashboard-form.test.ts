// A dashboard form's body: urlencoded only, bounded in size, and in time.
import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { afterEach, expect, it } from "vitest";
import { FormError, readForm } from "../../src/web/dashboard/form.js";

let server: Server | null = null;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = null;
});

/** A server that answers with the form it read (as JSON), or the FormError's status. */
async function formServer(limits: { maxBytes?: number; timeoutMs?: number }): Promise<number> {
  server = createServer(async (req, res) => {
    try {
      const form = await readForm(req, limits);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(Object.fromEntries(form)));
    } catch (error) {
      if (!(error instanceof FormError)) throw error;
      res.writeHead(error.status, { connection: "close" }).end(error.message);
    }
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return typeof address === "object" && address ? address.port : 0;
}

const post = (port: number, body: string, type = "application/x-www-form-urlencoded") =>
  fetch(`http://127.0.0.1:${port}/`, { method: "POST", headers: { "content-type": type }, body });

it("reads a urlencoded form", async () => {
  const port = await formServer({});
  const res = await post(port, "csrf=abc&reason=wrong+agent");
  expect(await res.json()).toEqual({ csrf: "abc", reason: "wrong agent" });
  expect((await post(port, "csrf=abc", "application/x-www-form-urlencoded; charset=UTF-8")).status).toBe(200);
});

it("refuses other types and bodies over the limit", async () => {
  const port = await formServer({ maxBytes: 100 });
  expect((await post(port, '{"csrf":"abc"}', "application/json")).status).toBe(415);
  expect((await post(port, `csrf=${"x".repeat(200)}`)).status).toBe(413);
});

it("answers 408 to a body that does not finish arriving in time", async () => {
  const port = await formServer({ timeoutMs: 100 });
  const socket = connect(port, "127.0.0.1");
  const answer = new Promise<string>((resolve) => {
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk.toString();
    });
    socket.on("close", () => resolve(text));
  });
  socket.write(
    "POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 50\r\n\r\ncsrf=",
  );
  expect(await answer).toMatch(/^HTTP\/1\.1 408 /);
});
