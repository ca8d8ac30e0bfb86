// The console's HTTP API through fastify.inject on a real SQLite file: sign-in, roles, CSRF, validation, pages.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestAs, signInApi, startApi, type ApiFixture, type Session } from "./support/api.js";
import { insertAlert } from "./support/seed.js";
import { valueHash, type Store } from "../src/platform/store/index.js";
import { saveUser } from "../src/platform/users/index.js";
import { saveConnector } from "../src/platform/catalog/index.js";

let store: Store;
let app: FastifyInstance;
let admin: Session;
let analyst: Session;

const signIn = (username: string, password: string): Promise<Session> => signInApi(app, username, password);
const as = (session: Session | undefined, method: "GET" | "POST" | "PUT" | "DELETE", url: string, payload?: unknown, csrf = true) =>
  requestAs(app, session, method, url, payload, csrf);

/**
 * Inserts N cases with a sender, a reporter and a URL each, created one minute apart (newest has the
 * highest id); every tenth also holds a sender one forward deeper. Labels are no email connector's: the
 * platform reads roles and depths.
 */
async function seedCases(count: number, title = (i: number) => `Suspicious message ${i}`): Promise<void> {
  const now = Date.now();
  for (let start = 0; start < count; start += 500) {
    await store.db.transaction().execute(async (trx) => {
      for (let i = start; i < Math.min(count, start + 500); i++) {
        const created = now - (count - i) * 60_000;
        const row = await trx
          .insertInto("cases")
          .values({
            title: title(i),
            priority: i % 5 === 0 ? 100 : 60,
            status: "open",
            environment: "",
            created_at: created,
            updated_at: created,
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        const alertPk = await insertAlert(
          trx,
          { case_id: row.id, alert_id: `seed-${i}-${created}`, ticket_id: `seed-${i}`, name: title(i), created_at: created },
          { data: JSON.stringify({ Subject: title(i), found_url: `https://phish-${i % 3}.test/x` }) },
        );
        const entity = (type: string, value: string, role: "sender" | "reporter" | null, depth = 0) => ({
          alert_pk: alertPk,
          case_id: row.id,
          type,
          value,
          value_hash: valueHash(value),
          source: "seeded",
          role,
          depth,
          data: "{}",
        });
        await trx
          .insertInto("entities")
          .values([
            entity("URL", `https://phish-${i % 3}.test/x`, null),
            entity("EMAIL_ADDRESS", `it-${i}@sender-${i % 2}.test`, "sender"),
            entity("EMAIL_ADDRESS", `staff-${i % 4}@company.test`, "reporter"),
            ...(i % 10 === 0 ? [entity("EMAIL_ADDRESS", `inner-${i}@deep.test`, "sender", 1)] : []),
          ])
          .execute();
      }
    });
  }
}

let fixture: ApiFixture;
beforeAll(async () => {
  fixture = await startApi("intake-api-");
  ({ store, app, admin, analyst } = fixture);
  await seedCases(230);
});

afterAll(async () => {
  await fixture?.close();
});

describe("sign-in and sessions", () => {
  it("refuses a wrong password with 401 and sets no cookie", async () => {
    const response = await app.inject({ method: "POST", url: "/api/login", payload: { username: "ada", password: "wrong-password" } });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe("LOGIN_FAILED");
    expect(response.cookies).toHaveLength(0);
  });

  it("sets an HttpOnly SameSite=Strict session cookie and stores only the token's hash", async () => {
    const response = await app.inject({ method: "POST", url: "/api/login", payload: { username: "bob", password: "analyst-password-1" } });
    const cookie = response.cookies.find((c) => c.name === "intake_session")!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe("Strict");
    const rows = await store.db.selectFrom("sessions").select("token_hash").execute();
    expect(rows.some((r) => r.token_hash === cookie.value)).toBe(false);
    expect(rows).not.toHaveLength(0);
  });

  it("stores passwords as salted scrypt hashes, different for the same password", async () => {
    await saveUser(store, "twin1", "analyst", "same-password-9");
    await saveUser(store, "twin2", "analyst", "same-password-9");
    const rows = await store.db.selectFrom("users").select(["name", "password_hash"]).where("name", "in", ["twin1", "twin2"]).execute();
    expect(rows[0]!.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(rows[0]!.password_hash).not.toBe(rows[1]!.password_hash);
    expect(rows[0]!.password_hash).not.toContain("same-password-9");
  });

  it("rejects a sign-in body with a missing field or an unknown one (400 naming it)", async () => {
    const missing = await app.inject({ method: "POST", url: "/api/login", payload: { username: "ada" } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.message).toContain("password");
    const extra = await app.inject({ method: "POST", url: "/api/login", payload: { username: "ada", password: "x", admin: true } });
    expect(extra.statusCode).toBe(400);
  });

  it("signs out: the cookie stops working", async () => {
    const session = await signIn("bob", "analyst-password-1");
    expect((await as(session, "POST", "/api/logout")).statusCode).toBe(200);
    expect((await as(session, "GET", "/api/cases")).statusCode).toBe(401);
  });
});

describe("every route but sign-in needs a session", () => {
  const routes: ["GET" | "POST" | "PUT" | "DELETE", string, unknown?][] = [
    ["GET", "/api/session"],
    ["POST", "/api/logout"],
    ["GET", "/api/cases"],
    ["GET", "/api/cases/1"],
    ["GET", "/api/cases/1/history"],
    ["POST", "/api/cases/1/status", { status: "in_progress" }],
    ["POST", "/api/cases/1/priority", { priority: 80 }],
    ["POST", "/api/cases/1/comments", { body: "x" }],
    ["GET", "/api/cases/1/eml"],
    ["GET", "/api/overview"],
    ["GET", "/api/integrations"],
    ["GET", "/api/integrations/email/icon"],
    ["GET", "/api/integrations/email/connectors/my-email-connector/source"],
    ["GET", "/api/connectors"],
    ["GET", "/api/connectors/x"],
    ["PUT", "/api/connectors/x", { integration: "email", parameters: {} }],
    ["DELETE", "/api/connectors/x"],
    ["POST", "/api/connectors/x/enabled", { enabled: false }],
    ["POST", "/api/connectors/x/run"],
    ["POST", "/api/connectors/x/test"],
    ["GET", "/api/runs"],
    ["GET", "/api/runs/1"],
    ["GET", "/api/openapi.json"],
  ];
  for (const [method, url, body] of routes) {
    it(`answers 401 to ${method} ${url} without a session`, async () => {
      const response = await as(undefined, method, url, body);
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe("UNAUTHENTICATED");
    });
  }

  it("refuses a state change without the CSRF header (403) even with a valid cookie", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/api/cases/1/comments",
      headers: { cookie: analyst.cookie },
      payload: { body: "hello" },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe("CSRF");
    const wrong = await app.inject({
      method: "POST",
      url: "/api/cases/1/comments",
      headers: { cookie: analyst.cookie, "x-csrf-token": admin.csrf },
      payload: { body: "hello" },
    });
    expect(wrong.statusCode).toBe(403);
  });

  it("sends a strict Content-Security-Policy, nosniff and no framing on every answer", async () => {
    const response = await as(analyst, "GET", "/api/cases");
    const csp = String(response.headers["content-security-policy"]);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
  });
});

describe("the case queue", () => {
  it("lists newest first and pages by cursor through every case exactly once", async () => {
    const seen: number[] = [];
    let cursor: number | null = null;
    let pages = 0;
    do {
      const response = await as(analyst, "GET", `/api/cases?limit=100${cursor ? `&cursor=${cursor}` : ""}`);
      expect(response.statusCode).toBe(200);
      const page = response.json() as { cases: { id: number; created_at: number }[]; nextCursor: number | null };
      seen.push(...page.cases.map((c) => c.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(230);
    expect(new Set(seen).size).toBe(230);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
  });

  it("shows each case's sender (the deepest) and indicator counts", async () => {
    const page = (await as(analyst, "GET", "/api/cases?limit=10")).json();
    expect(page.cases[0]).toMatchObject({ title: "Suspicious message 229", sender: "it-229@sender-1.test", urls: 1, indicators: 3 });
    expect(page.cases[9]).toMatchObject({ title: "Suspicious message 220", sender: "inner-220@deep.test", urls: 1, indicators: 4 });
  });

  it("filters by status, priority and text, and lists only newer cases with after=", async () => {
    const critical = (await as(analyst, "GET", "/api/cases?priority=100&limit=200")).json().cases as { priority: number }[];
    expect(critical).toHaveLength(46);
    expect(critical.every((c) => c.priority === 100)).toBe(true);
    const text = (await as(analyst, "GET", `/api/cases?q=${encodeURIComponent("message 12")}`)).json().cases as { title: string }[];
    expect(text.map((c) => c.title).sort()).toEqual([
      "Suspicious message 12",
      "Suspicious message 120",
      "Suspicious message 121",
      "Suspicious message 122",
      "Suspicious message 123",
      "Suspicious message 124",
      "Suspicious message 125",
      "Suspicious message 126",
      "Suspicious message 127",
      "Suspicious message 128",
      "Suspicious message 129",
    ]);
    // LIKE wildcards in the text are taken literally.
    expect((await as(analyst, "GET", "/api/cases?q=%25")).json().cases).toHaveLength(0);
    expect((await as(analyst, "GET", "/api/cases?q=message_1")).json().cases).toHaveLength(0);
    // Older than the overview's window, so the overview's counts stay those of the seeded cases.
    const now = Date.now() - 40 * 86_400_000;
    await store.db
      .insertInto("cases")
      .values({ title: "Win 100% free_prize \\o/", priority: 60, status: "open", environment: "", created_at: now, updated_at: now })
      .execute();
    for (const q of ["100% free_prize", "0%", "_prize \\o"]) {
      expect(
        (await as(analyst, "GET", `/api/cases?q=${encodeURIComponent(q)}`)).json().cases.map((c: { title: string }) => c.title),
        q,
      ).toEqual(["Win 100% free_prize \\o/"]);
    }
    const byIndicator = (await as(analyst, "GET", `/api/cases?q=${encodeURIComponent("it-7@sender-1.test")}`)).json().cases as {
      title: string;
    }[];
    expect(byIndicator.map((c) => c.title)).toEqual(["Suspicious message 7"]);
    const newest = (await as(analyst, "GET", "/api/cases?limit=1")).json().cases[0].id as number;
    expect((await as(analyst, "GET", `/api/cases?after=${newest - 3}`)).json().cases.map((c: { id: number }) => c.id)).toEqual([
      newest,
      newest - 1,
      newest - 2,
    ]);
    expect((await as(analyst, "GET", "/api/cases?status=closed")).json().cases).toHaveLength(0);
  });

  it("rejects bad filters with 400 naming the field", async () => {
    for (const query of ["status=done", "priority=55", "limit=0", "limit=500", "cursor=abc", "color=red"]) {
      const response = await as(analyst, "GET", `/api/cases?${query}`);
      expect(response.statusCode, query).toBe(400);
      expect(response.json().error.code).toBe("VALIDATION");
    }
    expect((await as(analyst, "GET", "/api/cases?status=done")).json().error.message).toContain("status");
  });
});

describe("working a case", () => {
  it("shows the case with its alert, events, entities, files and an empty timeline", async () => {
    const response = await as(analyst, "GET", "/api/cases/1");
    expect(response.statusCode).toBe(200);
    const detail = response.json();
    expect(detail).toMatchObject({ id: 1, title: "Suspicious message 0", status: "open", hasEml: false, comments: [], history: [] });
    expect(detail.alerts[0].events[0].Subject).toBe("Suspicious message 0");
    expect(detail.alerts[0].entities.map((e: { value: string; role: string | null; depth: number }) => [e.value, e.role, e.depth])).toEqual(
      [
        ["https://phish-0.test/x", null, 0],
        ["it-0@sender-0.test", "sender", 0],
        ["staff-0@company.test", "reporter", 0],
        ["inner-0@deep.test", "sender", 1],
      ],
    );
    expect(detail.alerts[0].reporters).toEqual(["staff-0@company.test"]);
    expect((await as(analyst, "GET", "/api/cases/999999")).statusCode).toBe(404);
    expect((await as(analyst, "GET", "/api/cases/abc")).statusCode).toBe(400);
  });

  it("changes status and priority and records who and when; closing needs a reason", async () => {
    expect((await as(analyst, "POST", "/api/cases/2/status", { status: "closed" })).statusCode).toBe(400);
    expect((await as(analyst, "POST", "/api/cases/2/status", { status: "archived" })).statusCode).toBe(400);
    expect((await as(analyst, "POST", "/api/cases/2/priority", { priority: 50 })).statusCode).toBe(400);
    expect((await as(analyst, "POST", "/api/cases/2/status", { status: "in_progress" })).statusCode).toBe(200);
    expect((await as(analyst, "POST", "/api/cases/2/priority", { priority: 80 })).statusCode).toBe(200);
    const closed = await as(admin, "POST", "/api/cases/2/status", { status: "closed", reason: "Phishing confirmed, sender blocked" });
    expect(closed.statusCode).toBe(200);
    const history = closed.json().history as {
      user_name: string;
      kind: string;
      from_value: string;
      to_value: string;
      reason: string | null;
      created_at: number;
    }[];
    expect(history.map((h) => [h.user_name, h.kind, h.from_value, h.to_value, h.reason])).toEqual([
      ["bob", "status", "open", "in_progress", null],
      ["bob", "priority", "60", "80", null],
      ["ada", "status", "in_progress", "closed", "Phishing confirmed, sender blocked"],
    ]);
    expect(history.every((h) => Math.abs(h.created_at - Date.now()) < 60_000)).toBe(true);
    const detail = (await as(analyst, "GET", "/api/cases/2")).json();
    expect(detail).toMatchObject({ status: "closed", priority: 80, closed_reason: "Phishing confirmed, sender blocked" });
    expect((await as(analyst, "GET", "/api/cases?status=closed")).json().cases.map((c: { id: number }) => c.id)).toEqual([2]);
  });

  it("adds comments with who and when, refusing blank or oversized ones", async () => {
    expect((await as(analyst, "POST", "/api/cases/3/comments", { body: "   " })).statusCode).toBe(400);
    expect((await as(analyst, "POST", "/api/cases/3/comments", { body: "x".repeat(10_001) })).statusCode).toBe(400);
    const added = await as(analyst, "POST", "/api/cases/3/comments", { body: "<b>checked</b> the sender" });
    expect(added.statusCode).toBe(200);
    expect(added.json().comments).toMatchObject([{ user_name: "bob", body: "<b>checked</b> the sender" }]);
    expect((await as(analyst, "GET", "/api/cases/3/history")).json().comments).toHaveLength(1);
  });

  it("downloads a stored .eml as an attachment with a safe type, and 404s when there is none", async () => {
    expect((await as(analyst, "GET", "/api/cases/4/eml")).statusCode).toBe(404);
    const zlib = await import("node:zlib");
    const raw = Buffer.from("Subject: <script>alert(1)</script>\r\n\r\n<html><script>alert(2)</script></html>\r\n");
    const alert = await store.db.selectFrom("alerts").select("id").where("case_id", "=", 4).executeTakeFirstOrThrow();
    await store.db
      .insertInto("alert_files")
      .values({
        alert_pk: alert.id,
        file_name: "<img src=x>.eml",
        content_type: "message/rfc822",
        size: raw.length,
        sha256: "0".repeat(64),
        data: zlib.gzipSync(raw),
      })
      .execute();
    const response = await as(analyst, "GET", "/api/cases/4/eml");
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("application/octet-stream");
    expect(response.headers["content-disposition"]).toBe('attachment; filename="case-4.eml"');
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    expect(response.rawPayload.equals(raw)).toBe(true);
    expect((await as(analyst, "GET", "/api/cases/4")).json().hasEml).toBe(true);
  });
});

describe("overview", () => {
  it("counts cases per day by priority, the top sender and URL domains and the top reporters", async () => {
    const response = await as(analyst, "GET", "/api/overview?days=30");
    expect(response.statusCode).toBe(200);
    const data = response.json();
    expect(data.casesPerDay.reduce((sum: number, r: { count: number }) => sum + r.count, 0)).toBe(230);
    // Days are whole UTC days from the first one shown.
    for (const row of data.casesPerDay as { day: number }[]) expect((row.day - data.since) % 86_400_000).toBe(0);
    const today = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    expect(data.casesPerDay.some((r: { day: number }) => r.day === today)).toBe(true);
    // One sender per case, the deepest: every tenth case's is at deep.test.
    expect(data.topSenderDomains).toEqual([
      { domain: "sender-1.test", count: 115 },
      { domain: "sender-0.test", count: 92 },
      { domain: "deep.test", count: 23 },
    ]);
    expect(data.topReporters).toEqual([
      { address: "staff-0@company.test", count: 58 },
      { address: "staff-1@company.test", count: 58 },
      { address: "staff-2@company.test", count: 57 },
      { address: "staff-3@company.test", count: 57 },
    ]);
    expect(data.topUrlDomains.map((d: { domain: string }) => d.domain).sort()).toEqual(["phish-0.test", "phish-1.test", "phish-2.test"]);
    expect((await as(analyst, "GET", "/api/overview?days=0")).statusCode).toBe(400);
  });
});

describe("integrations and connectors", () => {
  it("lists integrations with their connectors' parameter definitions, icon and source", async () => {
    const list = (await as(analyst, "GET", "/api/integrations")).json().integrations as {
      slug: string;
      hasIcon: boolean;
      connectors: { parameters: { name: string; type: string }[] }[];
    }[];
    const email = list.find((i) => i.slug === "email")!;
    expect(email.connectors[0]!.parameters.find((p) => p.name === "Password")!.type).toBe("password");
    const icon = await as(analyst, "GET", "/api/integrations/email/icon");
    if (email.hasIcon) {
      expect(icon.statusCode).toBe(200);
      expect(String(icon.headers["content-security-policy"])).toContain("sandbox");
    } else {
      expect(icon.statusCode).toBe(404);
    }
    const source = await as(analyst, "GET", "/api/integrations/email/connectors/my-email-connector/source");
    expect(source.statusCode).toBe(200);
    expect(source.json().source).toContain("export default");
    expect((await as(analyst, "GET", "/api/integrations/nope/icon")).statusCode).toBe(404);
  });

  it("lets only an admin create, change, enable and run connectors (analyst 403)", async () => {
    const body = {
      integration: "email",
      parameters: { Username: "u", Password: "hunter2-secret", "IMAP Server Address": "127.0.0.1", "IMAP Port": 1 },
    };
    expect((await as(analyst, "PUT", "/api/connectors/mail", body)).statusCode).toBe(403);
    expect((await as(analyst, "POST", "/api/connectors/mail/enabled", { enabled: false })).statusCode).toBe(403);
    expect((await as(analyst, "POST", "/api/connectors/mail/run")).statusCode).toBe(403);
    expect((await as(analyst, "POST", "/api/connectors/mail/test")).statusCode).toBe(403);
    expect((await as(analyst, "DELETE", "/api/connectors/mail")).statusCode).toBe(403);
    const created = await as(admin, "PUT", "/api/connectors/mail", { ...body, intervalSeconds: 120 });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      name: "mail",
      enabled: true,
      intervalSeconds: 120,
      productFieldName: "device_product",
      grouping: { mode: "campaign", windowHours: 24, maxAlerts: 500 },
    });
    // Grouping settings change alone; the others are kept.
    const grouped = await as(admin, "PUT", "/api/connectors/mail", { ...body, grouping: { mode: "indicator", windowHours: 48 } });
    expect(grouped.json().grouping).toEqual({ mode: "indicator", windowHours: 48, maxAlerts: 500 });
    const badGrouping = await as(admin, "PUT", "/api/connectors/mail", { ...body, grouping: { mode: "sometimes" } });
    expect([badGrouping.statusCode, badGrouping.json().error.message]).toEqual([400, expect.stringContaining("grouping/mode")]);
    expect((await as(admin, "PUT", "/api/connectors/mail", { ...body, grouping: { maxAlerts: 0 } })).statusCode).toBe(400);
    expect((await as(admin, "PUT", "/api/connectors/mail", body)).statusCode).toBe(200);
    expect((await as(admin, "GET", "/api/connectors/mail")).json().grouping.mode).toBe("indicator");
    const disabled = await as(admin, "POST", "/api/connectors/mail/enabled", { enabled: false });
    expect(disabled.json().enabled).toBe(false);
    // Analysts may read connectors, without their secrets.
    const read = await as(analyst, "GET", "/api/connectors/mail");
    expect(read.statusCode).toBe(200);
    expect(read.json().parameters.Password).toBe("(set)");
  });

  it("never returns a password parameter, in any answer, and keeps it encrypted at rest", async () => {
    await saveConnector(store, {
      name: "secretive",
      integration: "email",
      parameters: { Username: "u", Password: "hunter2-secret", "IMAP Server Address": "127.0.0.1", "IMAP Port": 1 },
    });
    for (const url of ["/api/connectors", "/api/connectors/secretive", "/api/overview", "/api/integrations"]) {
      expect((await as(admin, "GET", url)).body, url).not.toContain("hunter2-secret");
    }
    const row = await store.db.selectFrom("connectors").select("parameters").where("name", "=", "secretive").executeTakeFirstOrThrow();
    expect(row.parameters).not.toContain("hunter2-secret");
    // An update that leaves the password empty keeps the stored one.
    const updated = await as(admin, "PUT", "/api/connectors/secretive", {
      integration: "email",
      parameters: { Username: "u2", Password: "", "IMAP Server Address": "127.0.0.1", "IMAP Port": 1 },
    });
    expect(updated.statusCode, updated.body).toBe(200);
    expect(updated.json().parameters).toMatchObject({ Username: "u2", Password: "(set)" });
  });

  it("names the parameter in validation errors", async () => {
    const wrongType = await as(admin, "PUT", "/api/connectors/bad", {
      integration: "email",
      parameters: { Username: "u", Password: "p", "IMAP Server Address": "h", "IMAP Port": "not-a-number" },
    });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().error).toMatchObject({ code: "PARAM_INVALID" });
    expect(wrongType.json().error.message).toContain('"IMAP Port"');
    const unknown = await as(admin, "PUT", "/api/connectors/bad", {
      integration: "email",
      parameters: { Username: "u", Password: "p", "IMAP Server Address": "h", Colour: "red" },
    });
    expect(unknown.json().error.message).toContain('unknown parameter "Colour"');
    const missing = await as(admin, "PUT", "/api/connectors/bad", { integration: "email", parameters: { Username: "u" } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.message).toContain('missing required parameter "Password"');
    expect((await as(admin, "PUT", "/api/connectors/bad", { integration: "nope", parameters: {} })).statusCode).toBe(404);
    expect((await as(admin, "PUT", "/api/connectors/bad", { integration: "email", parameters: {}, intervalSeconds: 0 })).statusCode).toBe(
      400,
    );
  });

  it("deletes a connector (admin) and 404s on an unknown one", async () => {
    expect((await as(admin, "DELETE", "/api/connectors/secretive")).statusCode).toBe(200);
    expect((await as(admin, "GET", "/api/connectors/secretive")).statusCode).toBe(404);
    expect((await as(admin, "DELETE", "/api/connectors/secretive")).statusCode).toBe(404);
    expect((await as(admin, "POST", "/api/connectors/secretive/run")).statusCode).toBe(404);
  });

  it("lists runs newest first and shows one with its log; 404 for an unknown run", async () => {
    const connector = await store.db.selectFrom("connectors").select("id").where("name", "=", "mail").executeTakeFirstOrThrow();
    for (const status of ["succeeded", "failed"] as const) {
      await store.db
        .insertInto("runs")
        .values({
          connector_id: connector.id,
          is_test: 0,
          status,
          started_at: Date.now(),
          finished_at: Date.now() + 5,
          error: status === "failed" ? "IMAP_CONNECT: refused" : null,
          logs: JSON.stringify([{ level: "info", message: `a ${status} run`, time: Date.now() }]),
          owner: "test",
        })
        .execute();
    }
    const runs = (await as(analyst, "GET", "/api/runs?limit=10")).json().runs as { id: number; status: string; connector: string }[];
    expect(runs.slice(0, 2).map((r) => [r.status, r.connector])).toEqual([
      ["failed", "mail"],
      ["succeeded", "mail"],
    ]);
    const one = await as(analyst, "GET", `/api/runs/${runs[0]!.id}`);
    expect(one.json().logs).toEqual([expect.objectContaining({ message: "a failed run" })]);
    expect((await as(analyst, "GET", "/api/runs/999999")).statusCode).toBe(404);
    expect((await as(analyst, "GET", "/api/runs?limit=1000")).statusCode).toBe(400);
    expect((await as(analyst, "GET", "/api/connectors/mail")).json().failing).toBe(true);
  });
});

describe("the OpenAPI document", () => {
  it("describes the routes from their schemas", async () => {
    const response = await as(analyst, "GET", "/api/openapi.json");
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        "/api/cases",
        "/api/cases/{id}",
        "/api/cases/{id}/status",
        "/api/connectors/{name}",
        "/api/login",
        "/api/runs",
      ]),
    );
    expect(document.paths["/api/cases/{id}/status"].post.requestBody.content["application/json"].schema.properties.status.enum).toEqual([
      "open",
      "in_progress",
      "closed",
    ]);
  });
});

describe("merging cases and moving an alert out", () => {
  type Entry = { user_name: string; kind: string; from_value: string; to_value: string; alert_id: string | null };
  const historyOf = async (id: number) =>
    ((await as(analyst, "GET", `/api/cases/${id}/history`)).json().history as Entry[]).map((h) => [
      h.user_name,
      h.kind,
      h.from_value,
      h.to_value,
      h.alert_id,
    ]);

  it("merges cases into one (analysts may), closes the sources as merged and records it in both histories", async () => {
    expect(
      (await app.inject({ method: "POST", url: "/api/cases/10/merge", headers: { cookie: analyst.cookie }, payload: { cases: [11] } }))
        .statusCode,
    ).toBe(403);
    const merged = await as(analyst, "POST", "/api/cases/10/merge", { cases: [11, 12] });
    expect(merged.statusCode, merged.body).toBe(200);
    const target = (await as(analyst, "GET", "/api/cases/10")).json();
    expect(target.alerts.map((a: { name: string }) => a.name).sort()).toEqual([
      "Suspicious message 10",
      "Suspicious message 11",
      "Suspicious message 9",
    ]);
    expect(target.alert_count).toBe(3);
    expect(target.links).toEqual(
      expect.arrayContaining([
        { case_id: 11, reason: "merged from" },
        { case_id: 12, reason: "merged from" },
      ]),
    );
    const source = (await as(analyst, "GET", "/api/cases/11")).json();
    expect(source).toMatchObject({ status: "closed", closed_reason: "merged into case 10", alerts: [] });
    expect(await historyOf(10)).toEqual([["bob", "merge", "11,12", "10", null]]);
    expect(await historyOf(12)).toEqual([["bob", "merged_into", "12", "10", null]]);
    const queue = (await as(analyst, "GET", "/api/cases?cursor=11&limit=1")).json().cases as { id: number; alert_count: number }[];
    expect(queue.map((c) => [c.id, c.alert_count])).toEqual([[10, 3]]);
  });

  it("refuses a merge into itself, of an unknown case, or without cases, naming the problem", async () => {
    const self = await as(analyst, "POST", "/api/cases/10/merge", { cases: [10] });
    expect([self.statusCode, self.json().error.message]).toEqual([400, "body/cases: case 10 cannot be merged into itself"]);
    const unknown = await as(analyst, "POST", "/api/cases/10/merge", { cases: [999999] });
    expect([unknown.statusCode, unknown.json().error.message]).toEqual([404, "no case 999999"]);
    expect((await as(analyst, "POST", "/api/cases/10/merge", { cases: [] })).statusCode).toBe(400);
    expect((await as(analyst, "POST", "/api/cases/999999/merge", { cases: [10] })).statusCode).toBe(404);
    const intoMerged = await as(analyst, "POST", "/api/cases/11/merge", { cases: [20] });
    expect([intoMerged.statusCode, intoMerged.json().error.message]).toEqual([400, "case 11 was merged into case 10: merge into that one"]);
  });

  it("moves one alert out to a case of its own, recorded in both histories; refuses the only alert or an unknown one", async () => {
    const alertId = ((await as(analyst, "GET", "/api/cases/10")).json().alerts as { display_id: string; name: string }[]).find(
      (a) => a.name === "Suspicious message 11",
    )!.display_id;
    const moved = await as(admin, "POST", "/api/cases/10/move-out", { alert: alertId });
    expect(moved.statusCode, moved.body).toBe(200);
    const newCase = moved.json().case as number;
    const created = (await as(analyst, "GET", `/api/cases/${newCase}`)).json();
    expect(created).toMatchObject({ title: "Suspicious message 11", status: "open", alert_count: 1 });
    expect(created.alerts.map((a: { display_id: string }) => a.display_id)).toEqual([alertId]);
    expect((await as(analyst, "GET", "/api/cases/10")).json().alert_count).toBe(2);
    expect((await historyOf(10)).at(-1)).toEqual(["ada", "move_out", "10", String(newCase), alertId]);
    expect(await historyOf(newCase)).toEqual([["ada", "moved_in", "10", String(newCase), alertId]]);
    const only = await as(admin, "POST", `/api/cases/${newCase}/move-out`, { alert: alertId });
    expect([only.statusCode, only.json().error.code]).toEqual([400, "CASE_SINGLE_ALERT"]);
    const unknown = await as(admin, "POST", "/api/cases/10/move-out", { alert: "no-such-alert" });
    expect([unknown.statusCode, unknown.json().error.message]).toEqual([404, `case 10 has no alert "no-such-alert"`]);
  });
});
