// The server probed over real HTTP as an attacker would: from several loopback addresses, through and around a trusted proxy.
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../src/server/app.js";
import { openStore, type Store } from "../src/platform/store/index.js";
import { saveUser } from "../src/platform/users/index.js";
import { startConsole, type Console } from "./support/console.js";
import { makeWorkspace } from "./support/cli.js";

/** The proxy the server trusts; every other loopback address (127.0.0.2 and up) is a client reaching the server directly. */
const PROXY = "127.0.0.1";
const ADMIN_PASSWORD = "admin-password-1";

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  ms: number;
}

/** One request on its own connection from `from` (a loopback address: the server sees it as the client's). */
function send(
  port: number,
  method: string,
  url: string,
  options: { from?: string; headers?: Record<string, string>; body?: unknown; raw?: string } = {},
): Promise<Answer> {
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: "127.0.0.1",
        port,
        method,
        path: url,
        localAddress: options.from ?? PROXY,
        agent: false,
        headers: { ...(payload ? { "content-type": "application/json" } : {}), ...options.headers },
      },
      (response) => {
        let body = "";
        response.on("data", (chunk: Buffer) => (body += chunk.toString()));
        response.on("end", () => resolve({ status: response.statusCode!, headers: response.headers, body, ms: Date.now() - started }));
      },
    );
    request.on("error", reject);
    request.end(payload);
  });
}

const signIn = (port: number, username: string, password: string, options: { from?: string; headers?: Record<string, string> } = {}) =>
  send(port, "POST", "/api/login", { ...options, body: { username, password } });

const sessionCookie = (answer: Answer) => (answer.headers["set-cookie"] ?? []).find((cookie) => cookie.startsWith("intake_session="));
const code = (answer: Answer) => (JSON.parse(answer.body) as { error: { code: string } }).error.code;

let store: Store;
let app: FastifyInstance;
let port: number;

beforeAll(async () => {
  const ws = makeWorkspace();
  process.env.INTAKE_HOME = ws.dir;
  store = await openStore(path.join(ws.dir, "intake.db"));
  await saveUser(store, "ada", "admin", ADMIN_PASSWORD);
  await saveUser(store, "bob", "analyst", "analyst-password-1");
  // Short delays so that a test sees them grow within seconds; the address budget is the default.
  app = await buildServer({
    store,
    webDir: path.join(ws.dir, "no-web"),
    trustProxy: PROXY,
    signInLimits: { firstDelayMs: 25, maxDelayMs: 400 },
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  port = (app.server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  delete process.env.INTAKE_HOME;
});

describe("behind a trusted reverse proxy", () => {
  it("marks the session cookie Secure when the proxy says the request came over HTTPS, and believes no one else", async () => {
    const https = { "x-forwarded-proto": "https" };
    const viaProxy = await signIn(port, "ada", ADMIN_PASSWORD, { headers: https });
    expect(viaProxy.status).toBe(200);
    expect(sessionCookie(viaProxy)).toMatch(/; Secure/);
    const plain = await signIn(port, "ada", ADMIN_PASSWORD);
    expect(sessionCookie(plain)).not.toMatch(/Secure/);
    const spoofed = await signIn(port, "ada", ADMIN_PASSWORD, { from: "127.0.0.2", headers: https });
    expect(spoofed.status).toBe(200);
    expect(sessionCookie(spoofed)).not.toMatch(/Secure/);
  });

  it("sends HSTS when the original request was HTTPS (the proxy said so), and Cache-Control: no-store on every /api answer", async () => {
    const https = { "x-forwarded-proto": "https" };
    const viaProxy = await send(port, "GET", "/api/health", { headers: https });
    expect(viaProxy.headers["strict-transport-security"]).toBe("max-age=31536000");
    // Over plain HTTP, or a client that is not the proxy claiming HTTPS: no HSTS (it would pin a name to a scheme it does not serve).
    expect((await send(port, "GET", "/api/health")).headers["strict-transport-security"]).toBeUndefined();
    expect(
      (await send(port, "GET", "/api/health", { from: "127.0.0.2", headers: https })).headers["strict-transport-security"],
    ).toBeUndefined();

    const answer = await signIn(port, "bob", "analyst-password-1", { headers: https });
    const cookie = sessionCookie(answer)!.split(";")[0]!;
    expect(answer.headers["cache-control"]).toBe("no-store");
    for (const url of ["/api/cases", "/api/session", "/api/feeds", "/api/overview", "/api/openapi.json", "/api/nothing-here"]) {
      const signedIn = await send(port, "GET", url, { headers: { cookie } });
      expect([url, signedIn.headers["cache-control"]]).toEqual([url, "no-store"]);
      const anonymous = await send(port, "GET", url);
      expect([url, anonymous.status, anonymous.headers["cache-control"]]).toEqual([
        url,
        url === "/api/nothing-here" ? 404 : 401,
        "no-store",
      ]);
    }
  });

  it("clears the cookie on sign-out with the attributes it was set with", async () => {
    const https = { "x-forwarded-proto": "https" };
    const answer = await signIn(port, "bob", "analyst-password-1", { headers: https });
    const cookie = sessionCookie(answer)!.split(";")[0]!;
    const out = await send(port, "POST", "/api/logout", {
      headers: { ...https, cookie, "x-csrf-token": (JSON.parse(answer.body) as { csrfToken: string }).csrfToken },
    });
    expect(out.status).toBe(200);
    const cleared = sessionCookie(out)!;
    expect(cleared).toMatch(/^intake_session=;/);
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
    for (const attribute of ["Path=/", "HttpOnly", "SameSite=Strict", "Secure"]) expect(cleared.split("; ")).toContain(attribute);
  });

  it("counts failed sign-ins per client behind the proxy, and a client that is not the proxy cannot pick its address", async () => {
    const from = (client: string) => ({ headers: { "x-forwarded-for": client } });
    for (let i = 0; i < 10; i++) expect((await signIn(port, `nobody${i}`, "wrong password", from("203.0.113.7"))).status).toBe(401);
    const refused = await signIn(port, "nobody", "wrong password", from("203.0.113.7"));
    expect(refused.status).toBe(429);
    expect(code(refused)).toBe("RATE_LIMITED");
    // Another client of the same proxy has its own budget.
    expect((await signIn(port, "nobody", "wrong password", from("203.0.113.8"))).status).toBe(401);
    expect((await signIn(port, "ada", ADMIN_PASSWORD, from("203.0.113.9"))).status).toBe(200);

    // Straight from 127.0.0.3, X-Forwarded-For is not believed: a new one each time changes nothing.
    for (let i = 0; i < 10; i++)
      expect((await signIn(port, `nobody${i}`, "wrong password", { from: "127.0.0.3", ...from(`198.51.100.${i}`) })).status).toBe(401);
    expect((await signIn(port, "nobody", "wrong password", { from: "127.0.0.3", ...from("198.51.100.200") })).status).toBe(429);
  });
});

describe("sign-in under attack", () => {
  it("answers most of 40 parallel tries with unknown names from one address with 429 RATE_LIMITED, before any password \
is hashed", async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => signIn(port, `unknown-${i}`, `guess-${i}`, { from: "127.0.0.4" })),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(30);
    const refused = answers.find((answer) => answer.status === 429)!;
    expect(code(refused)).toBe("RATE_LIMITED");
    expect(Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(1);
  });

  it("ten bad sign-ins for the admin from one address slow the name down but do not keep the admin out from another", async () => {
    const attacker = "127.0.0.5";
    for (let i = 0; i < 10; i++) expect((await signIn(port, "ada", `guess-${i}`, { from: attacker })).status).toBe(401);
    expect((await signIn(port, "ada", ADMIN_PASSWORD, { from: attacker })).status).toBe(429);

    const admin = await signIn(port, "ada", ADMIN_PASSWORD, { from: "127.0.0.6" });
    expect(admin.status).toBe(200);
    // The name's delay after ten failures (25 ms doubling from the sixth, capped at 400 ms), less the
    // moment between the last failure and this request.
    expect(admin.ms).toBeGreaterThanOrEqual(300);
  });
});

describe("the session is checked before the body is read", () => {
  it("answers an anonymous change 401, not a validation error naming a field", async () => {
    const empty = await send(port, "PUT", "/api/connectors/x", { from: "127.0.0.7", body: {} });
    expect(empty.status).toBe(401);
    expect(code(empty)).toBe("UNAUTHENTICATED");
    const broken = await send(port, "PUT", "/api/connectors/x", { from: "127.0.0.7", raw: '{"integration": ' });
    expect(broken.status).toBe(401);
  });

  it("answers an anonymous 3 MB upload 401 before the body has been sent", async () => {
    const socket = net.connect({ host: "127.0.0.1", port, localAddress: "127.0.0.7" });
    const head = await new Promise<string>((resolve, reject) => {
      let data = "";
      const timer = setTimeout(() => reject(new Error(`no answer while the body was still to come: ${data}`)), 10_000);
      socket.on("data", (chunk: Buffer) => {
        data += chunk.toString();
        if (data.includes("\r\n\r\n")) {
          clearTimeout(timer);
          resolve(data);
        }
      });
      socket.on("error", reject);
      socket.write(
        `PUT /api/connectors/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${3 * 1024 * 1024}\r\n\r\n{"integration":"${"x".repeat(60_000)}`,
      );
    });
    socket.destroy();
    expect(head).toMatch(/^HTTP\/1\.1 401 /);
  });

  it("refuses an analyst's change to a connector 403 before reading it", async () => {
    const answer = await signIn(port, "bob", "analyst-password-1");
    const cookie = sessionCookie(answer)!.split(";")[0]!;
    const csrf = (JSON.parse(answer.body) as { csrfToken: string }).csrfToken;
    const change = await send(port, "PUT", "/api/connectors/x", { headers: { cookie, "x-csrf-token": csrf }, body: {} });
    expect(change.status).toBe(403);
    expect(code(change)).toBe("FORBIDDEN");
  });
});

/** A request whose body comes a byte a second on a raw socket: resolves with what the server answered and when it closed. */
function slowBody(port: number, onOpen: () => void = () => undefined): Promise<{ answer: string; ms: number }> {
  const started = Date.now();
  const socket = net.connect({ host: "127.0.0.1", port });
  let answer = "";
  let drip: NodeJS.Timeout | undefined;
  return new Promise((resolve) => {
    socket.on("connect", () => {
      socket.write("POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{");
      drip = setInterval(() => socket.write(" "), 1000);
      onOpen();
    });
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString()));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearInterval(drip);
      resolve({ answer, ms: Date.now() - started });
    });
  });
}

describe("slow clients", () => {
  it("closes a body sent a byte a second within the request timeout, and an idle kept-alive connection within seconds", async () => {
    const ws = makeWorkspace();
    const served = await startConsole(ws, ["--no-scheduler"]);
    try {
      const servedPort = Number(new URL(served.base).port);
      const idle = new Promise<number>((resolve) => {
        const socket = net.connect({ host: "127.0.0.1", port: servedPort }, () =>
          socket.write("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
        );
        let answeredAt = 0;
        socket.on("data", () => (answeredAt ||= Date.now()));
        socket.on("error", () => undefined);
        socket.on("close", () => resolve(Date.now() - answeredAt));
      });
      const slow = await slowBody(servedPort);
      // 30 s for the whole request, checked every second; 408 before the close.
      expect(slow.ms).toBeLessThan(36_000);
      expect(slow.answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(await idle).toBeLessThan(8_000);
    } finally {
      await served.stop();
    }
  }, 60_000);

  it("ends intake serve promptly on SIGTERM while a body is still coming a byte a second", async () => {
    const ws = makeWorkspace();
    const served = await startConsole(ws, ["--no-scheduler"]);
    const exited = new Promise<number>((resolve) => served.process.once("exit", () => resolve(Date.now())));
    const opened = new Promise<void>((resolve) => void slowBody(Number(new URL(served.base).port), resolve));
    await opened;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const signalled = Date.now();
    served.process.kill("SIGTERM");
    try {
      expect(
        (await Promise.race([exited, new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), 40_000))])) - signalled,
      ).toBeLessThan(5_000);
      expect(served.output()).toContain("intake serve: stopped");
    } finally {
      if (served.process.exitCode === null) served.process.kill("SIGKILL");
    }
  }, 60_000);
});

describe("intake serve's files and flags", () => {
  let served: Console | undefined;
  afterAll(async () => {
    await served?.stop();
  });

  it("makes the database files 0600 and a data folder it creates 0700, and leaves the current folder as it was", async () => {
    const previous = process.umask(0o022);
    try {
      const ws = makeWorkspace();
      fs.chmodSync(ws.dir, 0o755);
      const home = path.join(ws.dir, "state", "intake");
      ws.env.INTAKE_HOME = home;
      const added = await ws.intake(["users", "add", "ada", "--role", "admin"], { env: { INTAKE_PASSWORD: ADMIN_PASSWORD } });
      expect(added.code, added.stderr).toBe(0);
      served = await startConsole(ws, ["--no-scheduler", "--trust-proxy", PROXY]);
      const mode = (file: string) => (fs.statSync(file).mode & 0o777).toString(8);
      // While it serves, SQLite's log and shared memory are there beside the database.
      for (const file of [ws.db, `${ws.db}-wal`, `${ws.db}-shm`])
        expect(`${path.basename(file)} ${mode(file)}`).toBe(`${path.basename(file)} 600`);
      expect(mode(home)).toBe("700");
      expect(mode(path.dirname(home))).toBe("700");
      expect(mode(ws.dir)).toBe("755");

      // --trust-proxy on the command line: the proxy's HTTPS gives a Secure cookie.
      const servedPort = Number(new URL(served.base).port);
      const answer = await signIn(servedPort, "ada", ADMIN_PASSWORD, { headers: { "x-forwarded-proto": "https" } });
      expect(answer.status).toBe(200);
      expect(sessionCookie(answer)).toMatch(/; Secure/);
    } finally {
      process.umask(previous);
    }
  });

  it("refuses a --trust-proxy it cannot read, naming it", async () => {
    const ws = makeWorkspace();
    const result = await ws.intake(["serve", "--port", "0", "--no-scheduler", "--trust-proxy", "10.0.0.1,proxy.example"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim()).toBe('SERVE_TRUST_PROXY: --trust-proxy "10.0.0.1,proxy.example": invalid IP address: proxy.example');
  });
});
