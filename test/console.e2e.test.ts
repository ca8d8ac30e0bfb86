// The console in Debian's Chromium (playwright-core): sign in, create a connector against a real Dovecot,
// Test, Run once, watch cases appear, open a hostile case, close it, see the run history.
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliverToMaildir, startDovecot, type Dovecot } from "./support/dovecot.js";
import { consoleSession, type ConsoleSession } from "./support/console-session.js";
import { waitFor } from "./support/wait.js";
import { makeWorkspace, PROJECT_ROOT, type Workspace } from "./support/cli.js";
import { makeReport } from "./support/messages.js";

const HOSTILE_SUBJECT = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`;
const ARTIFACTS = path.join(PROJECT_ROOT, "test-artifacts");
const PASSWORD = "console-password-1";

let server: Dovecot;
let ws: Workspace;
let session: ConsoleSession;
let serve: ChildProcess;
let base: string;

function finishedRuns(file: string): number {
  const db = new Database(file, { readonly: true, timeout: 5000 });
  try {
    return (db.prepare("select count(*) as n from runs where status != 'running' and is_test = 0").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function storedEmlCount(file: string, caseId: number): number {
  const db = new Database(file, { readonly: true, timeout: 5000 });
  try {
    return (
      db
        .prepare(
          "select count(*) as n from alert_files f join alerts a on a.id = f.alert_pk " +
            "where a.case_id = ? and (f.content_type = 'message/rfc822' or f.file_name like '%.eml')",
        )
        .get(caseId) as { n: number }
    ).n;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  server = await startDovecot();
  ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile });
  const added = await ws.intake(["users", "add", "admin", "--role", "admin"], { env: { INTAKE_PASSWORD: PASSWORD } });
  expect(added.code, added.stderr).toBe(0);
  session = await consoleSession(ws);
  serve = session.app.process;
  base = session.base;
});

afterAll(async () => {
  await session?.close();
  await server?.stop();
});

describe("the console in a real browser", () => {
  it("answers GET /api/cases with 401 to anyone not signed in", async () => {
    const response = await fetch(`${base}/api/cases`);
    expect(response.status).toBe(401);
  });

  it("signs in, creates a connector, tests it, runs it once, shows cases live, keeps hostile text inert, closes a case \
and shows the runs", async () => {
    const page = await session.signedIn("admin", PASSWORD, "en-US");

    // Create the connector from the form built out of its parameter definitions.
    await page.getByRole("link", { name: "Connectors", exact: true }).click();
    await page.getByRole("button", { name: "New connector" }).click();
    await page.locator("#connector-name").fill("mailbox");
    await page.locator("#connector-interval").fill("3600");
    const params = server.params() as Record<string, string | number>;
    await page.locator("#param-Username").fill(String(params.Username));
    await page.locator("#param-Password").fill(String(params.Password));
    await page.locator("#param-IMAP_Server_Address").fill(String(params["IMAP Server Address"]));
    await page.locator("#param-IMAP_Port").fill(String(params["IMAP Port"]));
    await page.getByRole("button", { name: "Save", exact: true }).click();
    const card = page.locator('[data-connector="mailbox"]');
    await card.waitFor();
    // The scheduler runs it at once on the empty mailbox.
    await waitFor(() => finishedRuns(ws.db) >= 1);

    const reports = [makeReport(0), makeReport(1), makeReport(2, { subject: HOSTILE_SUBJECT })];
    deliverToMaildir(
      server,
      reports.map((r) => r.raw),
    );

    // Test (the Play button): the package and the logs, nothing stored.
    await card.getByRole("button", { name: "Test" }).click();
    const output = card.getByTestId("run-output");
    await output.waitFor({ timeout: 60_000 });
    await expect.poll(() => output.textContent(), { timeout: 60_000 }).toContain("fetched 3");
    expect(await output.locator("pre.package").textContent()).toContain("Suspicious message 1");
    expect(await output.locator("pre.logs").textContent()).not.toBe("");
    const queue = await page.evaluate(async () => (await (await fetch("/api/cases")).json()) as { cases: unknown[] });
    expect(queue.cases).toHaveLength(0);

    // Open the queue, then Run once from another tab: the cases appear without a reload.
    const queuePage = await page.context().newPage();
    await queuePage.goto(`${base}/cases`);
    await queuePage.getByText("No cases match.").waitFor();
    await card.getByRole("button", { name: "Run once" }).click();
    await expect.poll(() => output.textContent(), { timeout: 60_000 }).toContain("ingested 3");
    await queuePage.locator("tr[data-case-id]").nth(2).waitFor({ timeout: 15_000 });
    expect(await queuePage.locator("tr[data-case-id]").count()).toBe(3);
    const hostileRow = queuePage.locator("tr[data-case-id]", { hasText: "window.__pwned=1" });
    expect(await hostileRow.locator("td.title").textContent()).toBe(HOSTILE_SUBJECT);
    expect(await queuePage.locator("table.queue").textContent()).toContain("phish-2[.]test");
    await queuePage.screenshot({ path: path.join(ARTIFACTS, "queue-en.png"), fullPage: true });

    // The hostile case: its subject is text, nothing ran, no element was made from it.
    await hostileRow.getByRole("link").click();
    const title = queuePage.getByTestId("case-title");
    await title.waitFor();
    expect(await title.textContent()).toBe(HOSTILE_SUBJECT);
    expect(await queuePage.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await queuePage.locator("img[src='x']").count()).toBe(0);
    expect(await queuePage.locator("script:not([src])").count()).toBe(0);
    // Indicators are defanged and not links.
    const indicators = queuePage.locator("table.indicators");
    expect(await indicators.textContent()).toContain("hxxps://phish-2[.]test/login/2/0");
    expect(await indicators.locator("a").count()).toBe(0);
    // The original .eml: a download link when the connector stored it (the email connector's "Attach Original EML"), else a note.
    const caseId = Number(queuePage.url().split("/").pop());
    if (storedEmlCount(ws.db, caseId) > 0) {
      const emlHref = await queuePage.getByRole("link", { name: "Download the original .eml" }).getAttribute("href");
      const eml = await queuePage.evaluate(async (href) => {
        const response = await fetch(href!);
        return {
          type: response.headers.get("content-type"),
          disposition: response.headers.get("content-disposition"),
          text: await response.text(),
        };
      }, emlHref);
      expect(eml.type).toBe("application/octet-stream");
      expect(eml.disposition).toMatch(/^attachment;/);
      expect(eml.text).toContain("window.__pwned=1");
    } else {
      await queuePage.getByText("The original message was not kept").waitFor();
      expect(await queuePage.getByRole("link", { name: "Download the original .eml" }).count()).toBe(0);
    }

    // Close it with a reason: the history says who and why.
    await queuePage.locator("select[name=status]").selectOption("closed");
    await queuePage.locator("input[name=reason]").fill("Phishing confirmed; sender blocked");
    await queuePage.getByRole("button", { name: "Apply" }).click();
    const history = queuePage.locator("ul.history");
    await expect.poll(() => history.textContent()).toContain("admin changed the status from Open to Closed");
    expect(await history.textContent()).toContain("Phishing confirmed; sender blocked");
    await queuePage.locator("textarea[name=comment]").fill(`<img src=x onerror="window.__pwned=3"> looked at it`);
    await queuePage.getByRole("button", { name: "Add comment" }).click();
    await queuePage.locator("p.comment").waitFor();
    expect(await queuePage.locator("p.comment").textContent()).toBe(`<img src=x onerror="window.__pwned=3"> looked at it`);
    expect(await queuePage.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await queuePage.screenshot({ path: path.join(ARTIFACTS, "case-en.png"), fullPage: true });

    // The run history: the scheduler's run, the test run and Run once.
    await queuePage.getByRole("link", { name: "Runs", exact: true }).click();
    await queuePage.locator("tr[data-run-id]").nth(2).waitFor();
    const runsText = await queuePage.locator("table.runs").textContent();
    expect(runsText).toContain("mailbox");
    expect(runsText).toContain("succeeded");
    expect(runsText).toContain("test");
    await queuePage.screenshot({ path: path.join(ARTIFACTS, "runs-en.png"), fullPage: true });
    await page.getByRole("link", { name: "Overview", exact: true }).click();
    await page.getByText("Cases per day by priority").waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, "overview-en.png"), fullPage: true });
    await page.getByRole("link", { name: "Connectors", exact: true }).click();
    await page.getByRole("button", { name: "Source" }).click();
    await page.locator("pre.source").waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, "connectors-en.png"), fullPage: true });
    expect(session.cspViolations).toEqual([]);
    await page.context().close();
  });

  it("runs enabled connectors on their interval: new mail becomes cases by itself, a failing connector is recorded \
again each tick and stands out", async () => {
    const login = await fetch(`${base}/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: PASSWORD }),
    });
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const put = (name: string, parameters: Record<string, unknown>) =>
      fetch(`${base}/api/connectors/${name}`, {
        method: "PUT",
        headers: { cookie, "x-csrf-token": csrfToken, "content-type": "application/json" },
        body: JSON.stringify({ integration: "email", parameters, intervalSeconds: 2 }),
      });
    expect((await put("fast", server.params())).status).toBe(201);
    expect((await put("broken", server.params({ Password: "wrong-password" }))).status).toBe(201);
    const report = makeReport(50, { subject: "Arrived while nobody clicked" });
    deliverToMaildir(server, [report.raw]);
    const casesWithTitle = async () => {
      const response = await fetch(`${base}/api/cases?q=${encodeURIComponent("Arrived while nobody clicked")}`, { headers: { cookie } });
      return ((await response.json()) as { cases: unknown[] }).cases.length;
    };
    await expect.poll(casesWithTitle, { timeout: 30_000, interval: 500 }).toBe(1);
    const failedRuns = async () => {
      const response = await fetch(`${base}/api/runs?connector=broken&limit=20`, { headers: { cookie } });
      return ((await response.json()) as { runs: { status: string; error: string | null }[] }).runs.filter((r) => r.status === "failed");
    };
    await expect.poll(async () => (await failedRuns()).length, { timeout: 30_000, interval: 500 }).toBeGreaterThanOrEqual(2);
    expect((await failedRuns())[0]!.error).toMatch(/^IMAP_AUTH/);

    const page = await session.signedIn("admin", PASSWORD, "en-US");
    await page.getByRole("link", { name: "Connectors", exact: true }).click();
    await page.locator('[data-connector="broken"].failing').waitFor();
    // A form that leaves out a required parameter is refused with the parameter's name.
    await page.getByRole("button", { name: "New connector" }).click();
    await page.locator("#connector-name").fill("nopassword");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    const refusal = page.locator("form.editor [role=alert]");
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('PARAM_INVALID: missing required parameter "Password"');
    await page.getByRole("button", { name: "Cancel" }).click();
    expect(await page.locator('[data-connector="fast"].failing').count()).toBe(0);
    await page.getByRole("link", { name: "Runs", exact: true }).click();
    await page.locator("tr.failed-run").first().waitFor();
    expect(await page.locator("tr.failed-run").first().textContent()).toContain("broken");
    await page.screenshot({ path: path.join(ARTIFACTS, "runs-failing-en.png"), fullPage: true });
    // Stop the interval runs before the next tests and the shutdown.
    for (const name of ["fast", "broken"]) {
      await fetch(`${base}/api/connectors/${name}/enabled`, {
        method: "POST",
        headers: { cookie, "x-csrf-token": csrfToken, "content-type": "application/json" },
        body: JSON.stringify({ enabled: false }),
      });
    }
    await page.context().close();
  });

  it("speaks Korean to a Korean browser, with a switch back to English", async () => {
    const page = await session.page("ko-KR");
    await page.goto(base);
    expect(await page.locator("label[for=username]").textContent()).toBe("사용자 이름");
    await page.locator("#username").fill("admin");
    await page.locator("#password").fill(PASSWORD);
    await page.getByRole("button", { name: "로그인" }).click();
    await page.getByRole("link", { name: "케이스", exact: true }).click();
    await page.locator("tr[data-case-id]").first().waitFor();
    expect(await page.locator("table.queue thead").textContent()).toContain("우선순위");
    await page.screenshot({ path: path.join(ARTIFACTS, "queue-ko.png"), fullPage: true });
    await page.locator("tr[data-case-id]").first().getByRole("link").click();
    await page.getByTestId("case-title").waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, "case-ko.png"), fullPage: true });
    await page.getByRole("link", { name: "개요", exact: true }).click();
    await page.locator("figure.chart").waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, "overview-ko.png"), fullPage: true });
    await page.getByLabel("언어").first().selectOption("en");
    await page.getByRole("link", { name: "Overview", exact: true }).waitFor();
    expect(session.cspViolations).toEqual([]);
    await page.context().close();
  });

  it("stops on SIGTERM after the runs under way, leaving no run marked running", async () => {
    const exited = new Promise<number | null>((resolve) => serve.once("exit", (code) => resolve(code)));
    let output = "";
    serve.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    serve.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output).toContain("stopped");
    const db = new Database(ws.db, { readonly: true });
    try {
      expect((db.prepare("select count(*) as n from runs where status = 'running'").get() as { n: number }).n).toBe(0);
    } finally {
      db.close();
    }
  });
});
