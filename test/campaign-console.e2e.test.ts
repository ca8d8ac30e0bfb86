// Campaign cases in the console, in Debian's Chromium: the queue counts reports, the case lists who
// reported the phish and how; an analyst moves a report out and merges a case in, and both histories
// say who did it. The cases come from a real Dovecot through `intake connector run`.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliverToMaildir, startDovecot, type Dovecot } from "./support/dovecot.js";
import { makeWorkspace, PROJECT_ROOT, type Workspace } from "./support/cli.js";
import { phish, reportAsAttachment, reportInline, unrelated } from "./support/campaigns.js";
import { consoleSession, type ConsoleSession } from "./support/console-session.js";
import { createReportsConnector, exportCases } from "./support/triage-workspace.js";

const ARTIFACTS = path.join(PROJECT_ROOT, "test-artifacts");
const PASSWORD = "analyst-password-1";

interface ExportedCase {
  id: number;
  title: string;
  status: string;
  alert_count: number;
  alerts: { display_id: string; events: Record<string, unknown>[] }[];
}

let server: Dovecot;
let ws: Workspace;
let session: ConsoleSession;

const cases = () => exportCases<ExportedCase>(ws);

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  server = await startDovecot();
  ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile });
  const campaign = phish("Your mailbox is almost full", "mailbox-upgrade.test");
  const korean = phish("비밀번호 만료 안내", "account-kr.test", 2);
  deliverToMaildir(server, [
    reportAsAttachment(campaign, "alice@company.test"),
    reportInline(campaign, "carol@company.test", "FW:"),
    reportInline(campaign, "dave@company.test", "[EXTERNAL] Fwd:"),
    campaign.raw("erin@company.test"),
    reportInline(korean, "minho@company.test", "전달:"),
    reportAsAttachment(korean, "jisoo@company.test", "전달:"),
    unrelated("Lunch menu this week"),
  ]);
  await createReportsConnector(ws, server.params(), ["--interval", "3600"]);
  const run = await ws.intake(["connector", "run", "reports", "--json"]);
  expect(ws.lastJson(run)).toMatchObject({ ingested: 7, failed: 0 });
  const added = await ws.intake(["users", "add", "kim", "--role", "analyst"], { env: { INTAKE_PASSWORD: PASSWORD } });
  expect(added.code, added.stderr).toBe(0);
  session = await consoleSession(ws);
});

afterAll(async () => {
  await session?.close();
  await server?.stop();
});

describe("campaign cases in the console", () => {
  it("shows the reports, moves one out and merges a case in, recording both in the histories", async () => {
    const before = await cases();
    const english = before.find((c) => c.title === "Your mailbox is almost full")!;
    const lunch = before.find((c) => c.title === "Lunch menu this week")!;
    expect(english.alert_count).toBe(4);
    const erin = english.alerts.find((a) => a.events[0]!.ReportedAs === "original message")!.display_id;

    const page = await session.signedIn("kim", PASSWORD, "en-US");
    await page.goto(`${session.base}/cases`);
    const row = page.locator(`tr[data-case-id="${english.id}"]`);
    await row.waitFor();
    expect(await row.getByTestId("report-count").textContent()).toBe("4");
    await page.screenshot({ path: path.join(ARTIFACTS, "campaign-queue-en.png"), fullPage: true });

    // The campaign case: who reported it, when and how.
    await row.getByRole("link").click();
    await page.getByTestId("case-title").waitFor();
    expect(await page.getByTestId("case-reports").textContent()).toContain("4 reports");
    const reports = page.getByTestId("reports");
    expect(await reports.locator("tbody tr").count()).toBe(4);
    const text = await reports.textContent();
    for (const expected of [
      "alice@company[.]test",
      "carol@company[.]test",
      "forwarded as an attachment",
      "forwarded inline",
      "the mail itself, moved or sent to the mailbox",
    ])
      expect(text).toContain(expected);
    await page.screenshot({ path: path.join(ARTIFACTS, "campaign-case-en.png"), fullPage: true });

    // Move Erin's report (the phish itself, moved to the mailbox) out to a case of its own.
    await reports.locator(`tr[data-alert-id="${erin}"]`).getByRole("button", { name: "Move out" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toMatch(/The alert was moved to case #\d+\./);
    await expect.poll(() => reports.locator("tbody tr").count()).toBe(3);
    const afterMove = await cases();
    const moved = afterMove.find((c) => c.alerts.some((a) => a.display_id === erin))!;
    expect(moved.id).not.toBe(english.id);
    expect(moved.alert_count).toBe(1);

    // A refused merge says why above the case, which stays on the page.
    await page.getByTestId("merge-form").getByRole("textbox").fill("999999");
    await page.getByTestId("merge-form").getByRole("button", { name: "Merge" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toBe("CASE_NOT_FOUND: no case 999999");
    expect(await reports.locator("tbody tr").count()).toBe(3);

    // Merge the unrelated case in (an analyst's call), by its number.
    await page.getByTestId("merge-form").getByRole("textbox").fill(`#${lunch.id}`);
    await page.getByTestId("merge-form").getByRole("button", { name: "Merge" }).click();
    await expect.poll(() => page.getByTestId("case-reports").textContent()).toContain("4 reports");
    const history = page.locator("ul.history");
    await expect.poll(() => history.textContent()).toContain(`kim merged #${lunch.id} into this case`);
    expect(await history.textContent()).toContain(`kim moved alert ${erin} out to #${moved.id}`);
    expect(await reports.locator(`tr[data-alert-id="${lunch.alerts[0]!.display_id}"]`).textContent()).toContain(
      `merged from #${lunch.id} by kim`,
    );
    await page.screenshot({ path: path.join(ARTIFACTS, "campaign-history-en.png"), fullPage: true });

    // The other side of each action says so too, and the stored cases agree.
    await history.getByRole("link", { name: `#${lunch.id}` }).click();
    await expect.poll(() => page.getByTestId("case-title").textContent()).toBe("Lunch menu this week");
    await expect.poll(() => page.locator("ul.history").textContent()).toContain(`kim merged this case into #${english.id}`);
    expect(await page.locator(".meta").first().textContent()).toContain(`merged into case ${english.id}`);
    const after = await cases();
    expect(
      after
        .find((c) => c.id === english.id)!
        .alerts.map((a) => a.display_id)
        .sort(),
    ).toEqual([...english.alerts.map((a) => a.display_id).filter((id) => id !== erin), lunch.alerts[0]!.display_id].sort());
    expect(after.find((c) => c.id === lunch.id)).toMatchObject({ status: "closed", alert_count: 0 });
    const cli = await ws.intake(["cases", "history", String(moved.id)]);
    expect(cli.stdout).toMatch(new RegExp(`kim\\s+moved_in\\s+.*"from":${english.id}`));
    expect(session.cspViolations).toEqual([]);
    await page.context().close();
  });

  it("lets an admin change the connector's grouping in its form", async () => {
    const added = await ws.intake(["users", "add", "lee", "--role", "admin"], { env: { INTAKE_PASSWORD: PASSWORD } });
    expect(added.code, added.stderr).toBe(0);
    const page = await session.signedIn("lee", PASSWORD, "en-US");
    await page.goto(`${session.base}/connectors`);
    const card = page.locator('[data-connector="reports"]');
    await card.getByRole("button", { name: "Edit" }).click();
    const mode = page.locator("#grouping-mode");
    expect(await mode.inputValue()).toBe("campaign");
    expect(await page.locator("#grouping-hours").inputValue()).toBe("24");
    await page.locator("#grouping-hours").fill("72");
    await page.locator("#grouping-max").fill("40");
    await page.screenshot({ path: path.join(ARTIFACTS, "campaign-grouping-form-en.png"), fullPage: true });
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect
      .poll(
        async () => (JSON.parse((await ws.intake(["connector", "show", "reports", "--json"])).stdout) as { grouping: unknown }).grouping,
      )
      .toEqual({ mode: "campaign", windowHours: 72, maxAlerts: 40 });
    await card.getByRole("button", { name: "Edit" }).click();
    await mode.selectOption("off");
    expect(await page.locator("#grouping-hours").count()).toBe(0);
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect
      .poll(
        async () =>
          (JSON.parse((await ws.intake(["connector", "show", "reports", "--json"])).stdout) as { grouping: { mode: string } }).grouping
            .mode,
      )
      .toBe("off");
    expect(session.cspViolations).toEqual([]);
    await page.context().close();
  });

  it("shows a Korean campaign case in Korean", async () => {
    const korean = (await cases()).find((c) => c.title === "비밀번호 만료 안내")!;
    expect(korean.alert_count).toBe(2);
    const page = await session.signedIn("kim", PASSWORD, "ko-KR");
    await page.goto(`${session.base}/cases/${korean.id}`);
    await page.getByTestId("case-title").waitFor();
    expect(await page.getByTestId("case-reports").textContent()).toContain("신고 2건");
    expect(await page.getByTestId("reports").textContent()).toContain("첨부로 전달");
    expect(await page.getByTestId("reports").textContent()).toContain("같은 제목, 공통 URL");
    await page.screenshot({ path: path.join(ARTIFACTS, "campaign-case-ko.png"), fullPage: true });
    expect(session.cspViolations).toEqual([]);
    await page.context().close();
  });
});
