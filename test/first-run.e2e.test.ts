// First run from a fresh database: `intake serve` prints a one-time link, Chromium creates the first admin through it,
// then the link is gone.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSetupLink, SETUP_LINK_MINUTES } from "../src/server/first-run.js";
import { createFirstAdmin } from "../src/platform/users/index.js";
import { openStore } from "../src/platform/store/index.js";
import { launchChromium, newConsolePage, signIn, startConsole, type Console } from "./support/console.js";
import { makeWorkspace, PROJECT_ROOT, type Workspace } from "./support/cli.js";
import { startPostgres } from "./support/postgres.js";
import { waitFor } from "./support/wait.js";

const ARTIFACTS = path.join(PROJECT_ROOT, "test-artifacts");
const LINK = /^intake serve: .*(http:\/\/127\.0\.0\.1:(\d+)\/setup\?token=([A-Za-z0-9_-]{43}))\b.*$/m;

let browser: Browser;
const started: Console[] = [];
const cspViolations: string[] = [];

/** `intake serve` on a fresh database (or `ws`'s), and the setup link it printed. */
async function serveFresh(ws: Workspace = makeWorkspace()): Promise<{ ws: Workspace; app: Console; link: string; token: string }> {
  const app = await startConsole(ws, ["--no-scheduler"]);
  started.push(app);
  await waitFor(() => LINK.test(app.output()), 10_000);
  const [, link, port, token] = LINK.exec(app.output())!;
  expect(`http://127.0.0.1:${port}`).toBe(app.base);
  return { ws, app, link: link!, token: token! };
}

function userNames(db: string): string[] {
  const database = new Database(db, { readonly: true });
  try {
    return (database.prepare("select name, role from users").all() as { name: string; role: string }[]).map(
      (row) => `${row.name}:${row.role}`,
    );
  } finally {
    database.close();
  }
}

const errorCode = async (answer: Response) => ((await answer.json()) as { error: { code: string } }).error.code;
const setup = (base: string, body: unknown) =>
  fetch(`${base}/api/setup`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  for (const app of started) await app.stop();
});

describe("the first run", () => {
  it("prints one setup link; in Chromium the sign-in page says how to get it, its page creates the first admin and \
signs them in, then it is gone", async () => {
    const { ws, app, link, token } = await serveFresh();
    expect(app.output().match(/setup\?token=/g)).toHaveLength(1);
    expect(await (await fetch(`${app.base}/api/first-run`)).json()).toEqual({ firstRun: true });

    // The sign-in page, with nobody to sign in, tells where the first admin comes from.
    for (const locale of ["en-US", "ko-KR"]) {
      const page = await newConsolePage(browser, locale, cspViolations);
      await page.goto(app.base);
      await expect.poll(() => page.locator(".first-run").textContent()).toContain("/setup?token=");
      await page.screenshot({ path: path.join(ARTIFACTS, `sign-in-first-run-${locale.slice(0, 2)}.png`) });
      await page.context().close();
    }

    const korean = await newConsolePage(browser, "ko-KR", cspViolations);
    await korean.goto(link);
    await korean.getByLabel("비밀번호 확인").waitFor();
    await korean.screenshot({ path: path.join(ARTIFACTS, "setup-ko.png") });
    await korean.context().close();

    const page = await newConsolePage(browser, "en-US", cspViolations);
    const opened = await page.goto(link);
    expect(opened!.status()).toBe(200);
    await page.getByLabel("Username").fill("root-admin");
    await page.getByLabel("Password", { exact: true }).fill("first admin password");
    await page.getByLabel("Confirm password").fill("first admin passwort");
    await page.screenshot({ path: path.join(ARTIFACTS, "setup-en.png") });
    await page.getByRole("button", { name: "Create the admin and sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toBe("The passwords do not match.");
    expect(userNames(ws.db)).toEqual([]);

    await page.getByLabel("Confirm password").fill("first admin password");
    await page.getByRole("button", { name: "Create the admin and sign in" }).click();
    // Signed in as that admin, on the console, the spent token out of the address bar.
    await page.getByText("root-admin (admin)").waitFor();
    await page.getByRole("link", { name: "IDE" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/");
    expect(page.url()).not.toContain(token);
    expect(userNames(ws.db)).toEqual(["root-admin:admin"]);
    expect(await page.evaluate(() => fetch("/api/cases").then((r) => r.status))).toBe(200);

    // Gone: the page, both API routes, for the used token and any other; the sign-in page says nothing more.
    expect((await fetch(link)).status).toBe(404);
    expect((await fetch(`${app.base}/setup`)).status).toBe(404);
    const check = await fetch(`${app.base}/api/setup?token=${token}`);
    expect(check.status).toBe(404);
    const again = await setup(app.base, { token, username: "second", password: "second password" });
    expect(again.status).toBe(404);
    // The answer of any route that does not exist.
    expect(await again.json()).toEqual({ error: { code: "NOT_FOUND", message: "no such route: POST /api/setup" } });
    const unknown = await fetch(`${app.base}/api/no-such-route`, { method: "POST" });
    expect([unknown.status, await unknown.json()]).toEqual([
      404,
      { error: { code: "NOT_FOUND", message: "no such route: POST /api/no-such-route" } },
    ]);
    expect(await (await fetch(`${app.base}/api/first-run`)).json()).toEqual({ firstRun: false });
    expect(userNames(ws.db)).toEqual(["root-admin:admin"]);

    const later = await newConsolePage(browser, "en-US", cspViolations);
    const reopened = await later.goto(link);
    expect(reopened!.status()).toBe(404);
    await later.getByText("This setup link can no longer be used").waitFor();
    await later.getByRole("link", { name: "Go to sign-in" }).click();
    await later.locator("#username").waitFor();
    expect(await later.locator(".first-run").count()).toBe(0);
    await later.context().close();

    const signInPage = await newConsolePage(browser, "en-US", cspViolations);
    await signIn(signInPage, app.base, "root-admin", "first admin password");
    await signInPage.context().close();
    await page.context().close();
    expect(cspViolations).toEqual([]);
  });

  it("keeps the link through a refused name or password and a wrong token; of racing requests with it, one creates an admin", async () => {
    const { ws, app, token } = await serveFresh();
    const badName = await setup(app.base, { token, username: "<script>", password: "long enough password" });
    expect(badName.status).toBe(400);
    expect(await errorCode(badName)).toBe("USER_NAME");
    const short = await setup(app.base, { token, username: "root", password: "short" });
    expect(await errorCode(short)).toBe("USER_PASSWORD");
    const wrong = await setup(app.base, {
      token: token.replace(/^./, (c) => (c === "A" ? "B" : "A")),
      username: "root",
      password: "long enough password",
    });
    expect(wrong.status).toBe(404);
    expect(await errorCode(wrong)).toBe("SETUP_LINK");
    expect((await fetch(`${app.base}/setup?token=not-the-token`)).status).toBe(404);
    expect(userNames(ws.db)).toEqual([]);

    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => setup(app.base, { token, username: `racer${i}`, password: "long enough password" })),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 404, 404, 404, 404, 404, 404, 404]);
    expect(userNames(ws.db)).toHaveLength(1);
  });

  it("two servers on one database, each with its own link, create one admin between them", async () => {
    const first = await serveFresh();
    const second = await serveFresh(first.ws);
    expect(second.token).not.toBe(first.token);
    const answers = await Promise.all([
      setup(first.app.base, { token: first.token, username: "left", password: "long enough password" }),
      setup(second.app.base, { token: second.token, username: "right", password: "long enough password" }),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 404]);
    expect(userNames(first.ws.db)).toHaveLength(1);
  });

  it("prints no link when a user exists", async () => {
    const ws = makeWorkspace();
    const added = await ws.intake(["users", "add", "alice", "--role", "analyst"], { env: { INTAKE_PASSWORD: "long enough password" } });
    expect(added.code, added.stderr).toBe(0);
    const app = await startConsole(ws, ["--no-scheduler"]);
    started.push(app);
    expect(app.output()).not.toContain("setup");
    expect((await fetch(`${app.base}/setup?token=x`)).status).toBe(404);
    expect((await setup(app.base, { token: "x", username: "mallory", password: "long enough password" })).status).toBe(404);
  });

  it("lasts an hour", () => {
    let now = 1_000_000;
    const link = createSetupLink(() => now);
    expect(link.accepts(link.token)).toBe(true);
    expect(link.accepts(`${link.token}x`)).toBe(false);
    now += SETUP_LINK_MINUTES * 60_000 - 1;
    expect(link.accepts(link.token)).toBe(true);
    now += 1;
    expect(link.accepts(link.token)).toBe(false);
    expect(link.claim(link.token)).toBe(false);
  });

  it("on PostgreSQL, waits for a user being added in another transaction and then creates nobody", async () => {
    const postgres = await startPostgres();
    // The key file's folder (PostgreSQL has no database file to put it beside).
    process.env.INTAKE_HOME = makeWorkspace().dir;
    try {
      const url = postgres.createDatabase("first_run");
      const store = await openStore(url);
      // `intake users add` in another process, its insert not yet committed: invisible to a plain
      // "insert where none exists", so only the table lock keeps the first admin from being a second user.
      const other = new pg.Client({ connectionString: url });
      await other.connect();
      try {
        await other.query("begin");
        await other.query(
          "insert into users (name, role, password_hash, created_at, updated_at) values ('cli-user', 'analyst', 'scrypt$x', 1, 1)",
        );
        let settled = false;
        const first = createFirstAdmin(store, "first", "long enough password").finally(() => (settled = true));
        const waiting = async () => Number((await other.query("select count(*) as n from pg_locks where not granted")).rows[0].n) > 0;
        for (let i = 0; i < 200 && !settled && !(await waiting()); i++) await new Promise((resolve) => setTimeout(resolve, 50));
        await other.query("commit");
        expect(await first).toBeUndefined();
        expect(await store.db.selectFrom("users").select("name").execute()).toEqual([{ name: "cli-user" }]);
        // With the table empty, the first call creates the admin and a second creates nobody.
        await store.db.deleteFrom("users").execute();
        expect((await createFirstAdmin(store, "first", "long enough password"))?.role).toBe("admin");
        expect(await createFirstAdmin(store, "second", "long enough password")).toBeUndefined();
      } finally {
        await other.end();
        await store.close();
      }
    } finally {
      delete process.env.INTAKE_HOME;
      postgres.stop();
    }
  });
});
