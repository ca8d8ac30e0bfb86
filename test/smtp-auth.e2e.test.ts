// SMTP AUTH only over TLS: security "none" with a username to a host that is not loopback is refused
// before any connection (the password would cross the network in clear); to a loopback relay it is sent.
import net from "node:net";
import os from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stageOutbox } from "../src/platform/outbox/index.js";
import { openStore } from "../src/platform/store/index.js";
import { makeWorkspace } from "./support/cli.js";

/** A listener on every interface that speaks just enough SMTP to be offered a password, and records what it was sent. */
interface FakeSmtp {
  port: number;
  connections: number;
  received: string[];
  close(): Promise<void>;
}

function startFakeSmtp(): Promise<FakeSmtp> {
  const state = { connections: 0, received: [] as string[] };
  const server = net.createServer((socket) => {
    state.connections++;
    socket.write("220 fake ESMTP\r\n");
    let buffered = "";
    socket.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("latin1");
      let end = buffered.indexOf("\r\n");
      while (end >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        state.received.push(line);
        const verb = line.split(" ")[0]!.toUpperCase();
        if (verb === "EHLO") socket.write("250-fake\r\n250 AUTH PLAIN LOGIN\r\n");
        else if (verb === "AUTH") socket.write("535 5.7.8 refused\r\n");
        else if (verb === "QUIT") socket.end("221 bye\r\n");
        else socket.write("250 ok\r\n");
        end = buffered.indexOf("\r\n");
      }
    });
    socket.on("error", () => undefined);
  });
  return new Promise((resolve) =>
    server.listen(0, "0.0.0.0", () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        get connections() {
          return state.connections;
        },
        received: state.received,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    ),
  );
}

/** An address of this machine that is not loopback: the server a password must not reach in clear. */
function networkAddress(): string {
  const address = Object.values(os.networkInterfaces())
    .flat()
    .find((entry) => entry && entry.family === "IPv4" && !entry.internal)?.address;
  if (!address) throw new Error("this test needs a network interface with an IPv4 address that is not loopback");
  return address;
}

let smtp: FakeSmtp;
beforeAll(async () => {
  smtp = await startFakeSmtp();
});
afterAll(() => smtp?.close());

describe("SMTP security none with a username", () => {
  it("is refused before connecting to a host that is not loopback, and allowed to a relay on loopback", async () => {
    const ws = makeWorkspace({ INTAKE_OUTBOX_BACKOFF_SECONDS: "1" });
    const host = networkAddress();
    const configure = async (server: string) => {
      const params = {
        "SMTP Server Address": server,
        "SMTP Port": smtp.port,
        "SMTP Security": "none",
        "SMTP Username": "relay-user",
        "SMTP Password": "relay-password-1",
        "Sender Address": "security@example.test",
      };
      const configured = await ws.intake(["integration", "configure", "email", "--params", ws.writeJson("smtp.json", params)]);
      expect(configured.code, configured.stderr).toBe(0);
    };
    await configure(host);
    const store = await openStore(ws.db);
    try {
      await store.db
        .transaction()
        .execute((trx) =>
          stageOutbox(trx, { caseId: 1, actionRunId: 1, idempotencyKey: "run:1:reply", integration: "email" }, [
            { to: "alice@example.test", subject: "Re: hi", text: "thanks" },
          ]),
        );
    } finally {
      await store.close();
    }

    const refused = await ws.intake(["outbox", "send", "--json"]);
    expect(ws.lastJson(refused), refused.stderr).toEqual({ sent: 0, failed: 1, givenUp: 0 });
    const [row] = JSON.parse((await ws.intake(["outbox", "list", "--json"])).stdout) as { status: string; lastError: string }[];
    expect(row!.status).toBe("retrying");
    expect(row!.lastError).toBe(
      `SMTP_NOT_CONFIGURED: the email integration's "SMTP Security" none with "SMTP Username" ` +
        `would send the password unencrypted to ${host}: use starttls or tls (none only for a relay on loopback) ` +
        `(intake integration configure email --params FILE.json)`,
    );
    expect(smtp.connections).toBe(0);
    expect(smtp.received).toEqual([]);

    // The same settings to a relay on loopback: connected, and the password offered.
    await configure("127.0.0.1");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const sent = await ws.intake(["outbox", "send", "--json"]);
    expect(ws.lastJson(sent), sent.stderr).toMatchObject({ sent: 0, failed: 1 });
    expect(smtp.connections).toBe(1);
    expect(smtp.received.some((line) => line.startsWith("AUTH "))).toBe(true);
  });
});
