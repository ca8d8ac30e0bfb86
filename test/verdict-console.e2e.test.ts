// The console's verdicts in Debian's Chromium against `intake serve`: badges and a verdict filter in the
// queue, the verdict with its reasons (plain text, defanged, no links) on the case view, and an analyst's
// override with who and when; in English and Korean. Reports come from a real Dovecot; intake serve runs the
// triage playbook on them by itself.
import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleSession, type ConsoleSession } from "./support/console-session.js";
import { makeWorkspace, PROJECT_ROOT, type Workspace } from "./support/cli.js";
import { deliverToMaildir, startDovecot, type Dovecot } from "./support/dovecot.js";
import { forwardedReport, OUR_PEOPLE } from "./support/triage.js";
import { configureTriage, createReportsConnector } from "./support/triage-workspace.js";

const ARTIFACTS = path.join(PROJECT_ROOT, "test-artifacts");
/** Case numbers by title. */
const cases = new Map<string, number>();
const PASSWORD = "verdict-admin-password-1";

let session: ConsoleSession;
let ws: Workspace;
let server: Dovecot;

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `verdict-${name}.png`), fullPage: true });

/** `intake ARGS…`, which must succeed. */
async function ok(args: string[]) {
  const result = await ws.intake(args);
  expect([result.code, result.stderr]).toEqual([0, expect.any(String)]);
  return result;
}

beforeAll(async () => {
  [server] = await Promise.all([startDovecot(), fs.promises.mkdir(ARTIFACTS, { recursive: true })]);
  ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile, INTAKE_PASSWORD: PASSWORD });
  await ok(["users", "add", "admin", "--role", "admin"]);
  await createReportsConnector(ws, server.params(), ["--grouping", "off"]);
  await configureTriage(ws, { "Simulation Sender Domains": "sim-vendor.test", ...OUR_PEOPLE });
  deliverToMaildir(server, [
    forwardedReport("sim", { from: "HR <hr@sim-vendor.test>", subject: "Bonus letter", body: "Open http://sim-vendor.test/bonus" }),
    forwardedReport("spoof", {
      from: '"ceo@company.test" <boss@mailer.test>',
      subject: "Urgent wire",
      body: "Pay at <script>alert(1)</script> http://pay.mailer.test/now",
    }),
  ]);
  // No drain: intake serve's worker runs the triage playbook, on by default, on the new cases.
  await ok(["connector", "run", "reports", "--json"]);
  for (const line of (await ok(["cases", "export", "--jsonl"])).stdout.trim().split("\n")) {
    const item = JSON.parse(line) as { id: number; title: string };
    cases.set(item.title, item.id);
  }
  session = await consoleSession(ws);
}, 300_000);

afterAll(async () => {
  await Promise.all([session?.close(), server?.stop()]);
});

describe("verdicts in the console", () => {
  it("shows badges, filters the queue, shows reasons and takes an override, in English and Korean", async () => {
    const page = await session.signedIn("admin", PASSWORD, "en-US", { width: 1400, height: 1000 });
    const row = (title: string) => page.locator(`tr[data-case-id="${cases.get(title)}"]`);
    // The queue adds new cases by itself, not verdicts given later to the rows shown: read again until triage has run.
    await expect
      .poll(
        async () => {
          await page.goto(`${session.base}/cases`);
          return [
            await row("Bonus letter").getByTestId("verdict").textContent(),
            await row("Urgent wire").getByTestId("verdict").textContent(),
          ];
        },
        { timeout: 90_000, interval: 1000 },
      )
      .toEqual(["Simulation", "Unknown"]);
    await shot(page, "1-queue-en");

    await page.locator('select[name="verdict"]').selectOption("simulation");
    await expect.poll(() => page.locator("tr[data-case-id]").count()).toBe(1);
    expect(await page.locator("tr[data-case-id]").first().getAttribute("data-case-id")).toBe(String(cases.get("Bonus letter")));

    await page.goto(`${session.base}/cases/${cases.get("Urgent wire")}`);
    const panel = page.getByTestId("case-verdict");
    await expect
      .poll(() => panel.getByTestId("verdict-reasons").textContent(), { timeout: 30_000 })
      .toContain("the display name shows ceo@company[.]test but the message comes from boss@mailer[.]test");
    expect(await panel.locator("a").count()).toBe(0);
    expect(await panel.textContent()).toContain("set by playbook:phishing-triage");
    // The triage's reply waits in the outbox (no SMTP server is configured here), and the case wall says why.
    const outbox = page.getByTestId("case-outbox");
    await expect.poll(() => outbox.textContent(), { timeout: 30_000 }).toContain("colleague@example.test");
    expect(await outbox.textContent()).toContain("SMTP_NOT_CONFIGURED");
    await shot(page, "2-case-en");

    await panel.getByRole("button", { name: "Override verdict" }).click();
    expect(await panel.getByRole("alert").textContent()).toBe("Say why you override the verdict.");
    await panel.locator('select[name="verdict"]').selectOption("malicious");
    await panel.locator('input[name="verdictReason"]').fill("CEO fraud confirmed by finance");
    await panel.getByRole("button", { name: "Override verdict" }).click();
    await expect.poll(() => panel.textContent()).toContain("overridden by admin");
    expect(await panel.getByTestId("verdict-reasons").textContent()).toBe("CEO fraud confirmed by finance");
    await expect.poll(() => page.locator(".case").textContent()).toContain("admin set the verdict to Malicious");
    const exported = (await ok(["cases", "export", "--jsonl"])).stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { id: number; verdict?: { value: string } });
    expect(exported.find((item) => item.id === cases.get("Urgent wire"))!.verdict?.value).toBe("malicious");
    await shot(page, "3-override-en");

    const korean = await session.signedIn("admin", PASSWORD, "ko-KR", { width: 1400, height: 1000 });
    await korean.goto(`${session.base}/cases`);
    await expect
      .poll(
        () =>
          korean
            .locator(`tr[data-case-id="${cases.get("Urgent wire")}"]`)
            .getByTestId("verdict")
            .textContent(),
        { timeout: 30_000 },
      )
      .toBe("악성");
    await korean.goto(`${session.base}/cases/${cases.get("Urgent wire")}`);
    await korean.getByRole("heading", { name: "판정", exact: true }).waitFor();
    expect(await korean.getByTestId("case-verdict").textContent()).toContain("admin이(가) 변경");
    await expect.poll(() => korean.getByTestId("case-outbox").textContent()).toContain("신고자 회신");
    await shot(korean, "4-case-ko");
    expect(session.cspViolations).toEqual([]);
  });
});
