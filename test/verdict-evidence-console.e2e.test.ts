// Issue 28's console in Debian's Chromium against `intake serve`: a verdict's reasons with their signed weights
// and evidence (defanged indicator as text, the feed and its reliability, the earlier case as a link with who
// decided it); the custom lists edited by an admin and read-only for an analyst; a feed's reliability changed;
// phishing-triage's "Reply To Reporter" refused without "Reporter Domains"; in English and Korean
// (screenshots under test-artifacts/evidence-*.png).
import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleSession, type ConsoleSession } from "./support/console-session.js";
import { makeWorkspace, PROJECT_ROOT, type Workspace } from "./support/cli.js";
import { writePackage } from "./support/packages.js";

const ARTIFACTS = path.join(PROJECT_ROOT, "test-artifacts");
const URLHAUS = path.join(PROJECT_ROOT, "test/fixtures/feeds/urlhaus.csv");
const ADMIN_PASSWORD = "evidence-admin-password-1";
const ANALYST_PASSWORD = "evidence-analyst-password-1";
const HOSTILE = "<img src=x onerror=alert(1)>";

let ws: Workspace;
let session: ConsoleSession;
/** Case numbers by alert name. */
const cases = new Map<string, number>();

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `evidence-${name}.png`), fullPage: true });

async function ok(args: string[], env: Record<string, string> = {}) {
  const result = await ws.intake(args, { env });
  expect(result.code, `intake ${args.join(" ")}: ${result.stderr}`).toBe(0);
  return result;
}

// A user's integration: a connector that opens two cases (no mail needed for the console), and an action that
// gives a case the verdict and evidence it is handed, through the SDK's setCaseVerdict as triage does.
const CONNECTOR = `import { AlertInfo, ConnectorExecution, Priority } from "intake/sdk";
export default async function main(execution: ConnectorExecution): Promise<void> {
  const alerts = ["Payroll update", "Payroll update again"].map((name, index) => {
    const alert = new AlertInfo();
    alert.display_id = "evidence-" + (index + 1);
    alert.name = alert.rule_generator = name;
    alert.start_time = alert.end_time = Date.now() + index;
    alert.priority = Priority.MEDIUM;
    alert.device_vendor = alert.device_product = "Evidence";
    alert.events.push({ StartTime: alert.start_time, EndTime: alert.end_time, event_name: "report", device_product: "Evidence" });
    return alert;
  });
  await execution.returnPackage(alerts);
}
`;
const ACTION = `import { ActionExecution } from "intake/sdk";
export default async function main(execution: ActionExecution): Promise<void> {
  const evidence = JSON.parse(String(execution.extractActionParam("Evidence", { isMandatory: true })));
  execution.setCaseVerdict({
    value: String(execution.extractActionParam("Verdict", { isMandatory: true })) as "malicious",
    score: Number(execution.extractActionParam("Score", { isMandatory: true })),
    reasons: evidence.map((item: { reason: string }) => item.reason),
    evidence,
  });
  execution.end("verdict given", true);
}
`;

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  ws = makeWorkspace();
  await ok(["users", "add", "admin", "--role", "admin"], { INTAKE_PASSWORD: ADMIN_PASSWORD });
  await ok(["users", "add", "alice", "--role", "analyst"], { INTAKE_PASSWORD: ANALYST_PASSWORD });
  const dir = writePackage(
    path.join(ws.dir, "evidence-tests"),
    { name: "Evidence Tests" },
    {
      Reports: { json: { description: "Two reports about one payroll phish." }, code: CONNECTOR },
    },
    {
      "actions/give-verdict.json": JSON.stringify({
        name: "Give Verdict",
        description: "Sets the verdict, score and evidence it is given.",
        timeoutSeconds: 30,
        parameters: [
          { name: "Verdict", type: "string" },
          { name: "Score", type: "string" },
          { name: "Evidence", type: "string" },
        ],
      }),
      "actions/give-verdict.ts": ACTION,
    },
  );
  await ok(["integration", "import", dir]);
  await ok([
    "connector",
    "create",
    "reports",
    "--integration",
    "Evidence Tests",
    "--connector",
    "Reports",
    "--disabled",
    "--grouping",
    "off",
    "--params",
    ws.writeJson("reports.json", {}),
  ]);
  await ok(["connector", "run", "reports", "--json"]);
  for (const line of (await ok(["cases", "export", "--jsonl"])).stdout.trim().split("\n")) {
    const item = JSON.parse(line) as { id: number; title: string };
    cases.set(item.title, item.id);
  }
  const earlier = cases.get("Payroll update")!;
  const later = cases.get("Payroll update again")!;
  expect(earlier).toBeLessThan(later);
  // The earlier case decided by a person: the grounds the later verdict cites.
  await ok(["cases", "verdict", String(earlier), "malicious", "--reason", "payroll phish confirmed with HR"], { INTAKE_ACTOR: "alice" });
  await ok(["feeds", "add", "urlhaus", "--format", "urlhaus", "--source", URLHAUS, "--reliability", "B"]);
  await ok(["feeds", "refresh", "urlhaus"]);
  const evidence = [
    {
      kind: "feed",
      weight: 60,
      reason: "URL hxxps://phish.example[.]test/a~b: listed by urlhaus (reliability B)",
      indicator: "hxxps://phish.example[.]test/a~b",
      feed: "urlhaus",
      reliability: "B",
    },
    {
      kind: "earlier-case",
      weight: 30,
      reason: `sender hr@example-payroll[.]test: in case #${earlier}, judged malicious by analyst alice`,
      indicator: "hr@example-payroll[.]test",
      caseId: earlier,
      decidedBy: "analyst alice",
    },
    // An indicator that reaches the console live is defanged there; a reason holding markup stays text.
    {
      kind: "signal",
      weight: 15,
      reason: `the link text shows payroll.company.test but the link goes elsewhere ${HOSTILE}`,
      indicator: "http://login.example-payroll.test/verify",
    },
    {
      kind: "authentication",
      weight: -20,
      reason: "DMARC pass for example-payroll[.]test, by our server mx.company[.]test",
      indicator: "example-payroll[.]test",
    },
  ];
  await ok([
    "action",
    "run",
    "Evidence Tests",
    "Give Verdict",
    "--case",
    String(later),
    "--params",
    ws.writeJson("verdict.json", { Verdict: "malicious", Score: "85", Evidence: JSON.stringify(evidence) }),
    "--json",
  ]);
  session = await consoleSession(ws, ["--no-scheduler"]);
}, 300_000);

afterAll(async () => {
  await session?.close();
});

describe("verdict evidence, lists, feed reliability and reply settings in the console", () => {
  it("shows each reason's weight and evidence, plain text, with the earlier case as a link", async () => {
    const page = await session.signedIn("admin", ADMIN_PASSWORD, "en-US", { width: 1400, height: 1000 });
    const later = cases.get("Payroll update again")!;
    const earlier = cases.get("Payroll update")!;
    await page.goto(`${session.base}/cases/${later}`);
    const panel = page.getByTestId("case-verdict");
    const table = panel.getByTestId("verdict-evidence");
    await table.waitFor();
    expect(await panel.textContent()).toContain("score 85");
    expect(await table.getByTestId("evidence-weight").allTextContents()).toEqual(["+60", "+30", "+15", "\u221220"]);
    expect(await table.locator("tbody tr").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-kind")))).toEqual([
      "feed",
      "earlier-case",
      "signal",
      "authentication",
    ]);
    const feedRow = table.locator('tr[data-kind="feed"]');
    expect(await feedRow.textContent()).toContain("hxxps://phish.example[.]test/a~b");
    expect(await feedRow.locator(".evidence-feed").textContent()).toBe("urlhaus · B");
    expect(await feedRow.locator(".evidence-feed").getAttribute("title")).toBe("B: usually reliable");
    const caseRow = table.locator('tr[data-kind="earlier-case"]');
    expect(await caseRow.locator(".evidence-case").textContent()).toBe(`case #${earlier} · analyst alice`);
    const signal = table.locator('tr[data-kind="signal"]');
    expect(await signal.locator("code").textContent()).toBe("hxxp://login[.]example-payroll[.]test/verify");
    expect(await signal.locator(".reason").textContent()).toContain(HOSTILE);
    expect(await panel.locator("img").count()).toBe(0);
    // The only link in the panel is the earlier case, inside the console; nothing from the mail is one.
    expect(await panel.locator("a").evaluateAll((links) => links.map((link) => link.getAttribute("href")))).toEqual([`/cases/${earlier}`]);
    await shot(page, "1-case-en");
    await panel.screenshot({ path: path.join(ARTIFACTS, "evidence-1-panel-en.png") });
    await caseRow.getByRole("link").click();
    await expect.poll(() => page.getByTestId("case-title").textContent()).toBe("Payroll update");
    expect(page.url()).toBe(`${session.base}/cases/${earlier}`);
    // A verdict without evidence (an analyst's override) lists its reasons as before.
    expect(await page.getByTestId("verdict-reasons").textContent()).toBe("payroll phish confirmed with HR");
    expect(await page.getByTestId("verdict-evidence").count()).toBe(0);
  }, 120_000);

  it("lets an admin edit and reset a custom list, and shows it read-only to an analyst", async () => {
    const page = await session.signedIn("admin", ADMIN_PASSWORD, "en-US", { width: 1400, height: 1000 });
    await page.locator('nav a[href="/lists"]').click();
    await page.getByRole("heading", { name: "Custom lists" }).waitFor();
    expect(await page.locator("section[data-list]").evaluateAll((items) => items.map((item) => item.getAttribute("data-list")))).toEqual([
      "Shared Infrastructure",
      "Shorteners",
      "Brands",
      "VIPs",
    ]);
    const shorteners = page.locator('section[data-list="Shorteners"]');
    expect(await shorteners.getByTestId("list-state").textContent()).toContain("default");
    const textarea = shorteners.getByRole("textbox", { name: "Shorteners" });
    await textarea.fill("# ours\nlnk.company.test\n\n  go.company.test  ");
    await shorteners.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => shorteners.getByTestId("list-state").textContent()).toContain("edited by admin");
    expect(await shorteners.getByTestId("list-state").textContent()).toContain("2 entries");
    expect(await textarea.inputValue()).toBe("lnk.company.test\ngo.company.test");
    const shown = await ok(["lists", "show", "Shorteners"]);
    expect(shown.stdout).toContain("lnk.company.test");
    expect(shown.stdout).toContain("go.company.test");
    // The server's bounds, named: a line longer than 500 characters is refused before anything is sent.
    const vips = page.locator('section[data-list="VIPs"]');
    await vips.getByRole("textbox").fill(`Chief Executive\n${"x".repeat(501)}`);
    await vips.getByRole("button", { name: "Save" }).click();
    expect(await vips.getByRole("alert").textContent()).toContain("line 2 is longer");
    await shot(page, "2-lists-en");

    const analyst = await session.signedIn("alice", ANALYST_PASSWORD, "en-US", { width: 1400, height: 1000 });
    await analyst.goto(`${session.base}/lists`);
    const seen = analyst.locator('section[data-list="Shorteners"]');
    await expect.poll(() => seen.getByRole("textbox").inputValue()).toBe("lnk.company.test\ngo.company.test");
    expect(await seen.getByRole("textbox").getAttribute("readonly")).not.toBeNull();
    expect(await analyst.getByRole("button", { name: "Save" }).count()).toBe(0);
    expect(await analyst.getByRole("note").textContent()).toBe("Only an admin can change the lists.");
    await shot(analyst, "3-lists-analyst-en");

    await shorteners.getByRole("button", { name: "Reset to default" }).click();
    await expect.poll(() => shorteners.getByTestId("list-state").textContent()).toContain("default");
    expect(await textarea.inputValue()).not.toContain("lnk.company.test");
    expect((await ok(["lists", "show", "Shorteners"])).stdout).not.toContain("lnk.company.test");
  }, 120_000);

  it("shows each feed's reliability and lets an admin change it", async () => {
    const page = await session.signedIn("admin", ADMIN_PASSWORD, "en-US", { width: 1400, height: 1000 });
    await page.goto(`${session.base}/feeds`);
    const urlhaus = page.locator('tr[data-feed="urlhaus"]');
    const select = urlhaus.getByRole("combobox", { name: "Reliability of urlhaus" });
    await expect.poll(() => select.inputValue()).toBe("B");
    expect(await page.getByTestId("reliability-hint").textContent()).toContain("A: completely reliable");
    expect(await page.getByTestId("reliability-hint").textContent()).toContain("F: cannot be judged");
    await select.selectOption("A");
    await expect.poll(() => page.getByRole("status").textContent()).toBe("urlhaus: reliability A");
    const listed = ws.lastJson(await ok(["feeds", "list", "--json"])) as { feeds: { name: string; reliability: string }[] };
    expect(listed.feeds.find((feed) => feed.name === "urlhaus")!.reliability).toBe("A");
    // The add form takes a reliability too.
    await page.getByLabel("Name", { exact: true }).fill("openphish");
    await page.getByLabel("Format").selectOption("openphish");
    await page.getByLabel("File, MISP folder or https URL").fill(path.join(PROJECT_ROOT, "test/fixtures/feeds/openphish.txt"));
    await page.locator("form.feed-form").getByLabel("Reliability").selectOption("D");
    await page.getByRole("button", { name: "Add feed" }).click();
    await expect.poll(() => page.locator('tr[data-feed="openphish"] td.reliability').getAttribute("data-reliability")).toBe("D");
    await shot(page, "4-feeds-en");

    const analyst = await session.signedIn("alice", ANALYST_PASSWORD, "en-US");
    await analyst.goto(`${session.base}/feeds`);
    await expect.poll(() => analyst.locator('tr[data-feed="urlhaus"] td.reliability').textContent()).toBe("A");
    expect(await analyst.locator("td.reliability select").count()).toBe(0);
  }, 120_000);

  it("does not turn replies on without the organisation's domains", async () => {
    const page = await session.signedIn("admin", ADMIN_PASSWORD, "en-US", { width: 1400, height: 1000 });
    await page.goto(`${session.base}/playbooks/phishing-triage`);
    const form = page.getByTestId("playbook-parameters");
    const reply = form.getByRole("checkbox", { name: "Reply To Reporter" });
    const domains = form.getByRole("textbox", { name: "Reporter Domains" });
    await reply.waitFor();
    if (await reply.isChecked()) await reply.uncheck();
    expect(await domains.getAttribute("aria-required")).toBe("false");
    const sent: string[] = [];
    page.on("request", (request) => {
      if (request.method() === "PUT" && request.url().includes("/parameters")) sent.push(request.url());
    });
    await reply.check();
    // Switching replies on asks for the domains at once: marked required, the cursor in the field.
    expect(await domains.getAttribute("aria-required")).toBe("true");
    expect(await form.locator('[data-param="Reporter Domains"]').textContent()).toContain("Required while “Reply To Reporter” is on.");
    await expect.poll(() => domains.evaluate((field) => field === field.ownerDocument.activeElement)).toBe(true);
    await form.getByRole("button", { name: "Save parameters" }).click();
    expect(await form.getByTestId("parameter-missing").textContent()).toBe(
      "“Reporter Domains” is required while “Reply To Reporter” is on: fill it in or turn “Reply To Reporter” off.",
    );
    expect(sent).toEqual([]);
    await shot(page, "5-reply-refused-en");

    await domains.fill("company.test, company.co.kr");
    await form.getByRole("button", { name: "Save parameters" }).click();
    await expect.poll(() => form.getByRole("status").textContent()).toBe("Parameters saved.");
    expect(sent).toHaveLength(1);
    await page.reload();
    await expect
      .poll(() => page.getByTestId("playbook-parameters").getByRole("textbox", { name: "Reporter Domains" }).inputValue())
      .toBe("company.test, company.co.kr");
    expect(await page.getByTestId("playbook-parameters").getByRole("checkbox", { name: "Reply To Reporter" }).isChecked()).toBe(true);
    // The server holds the same rule: the CLI is refused a configuration the form would not send, naming the parameter.
    const refused = await ws.intake([
      "playbook",
      "configure",
      "phishing-triage",
      "--params",
      ws.writeJson("no-domains.json", { "Reply To Reporter": "true", "Reporter Domains": "" }),
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('"Reporter Domains" is required when "Reply To Reporter"');
    // An analyst reads the parameters and cannot change them.
    const analyst = await session.signedIn("alice", ANALYST_PASSWORD, "en-US");
    await analyst.goto(`${session.base}/playbooks/phishing-triage`);
    const seen = analyst.getByTestId("playbook-parameters");
    await expect.poll(() => seen.getByRole("textbox", { name: "Reporter Domains" }).inputValue()).toBe("company.test, company.co.kr");
    expect(await seen.getByRole("textbox", { name: "Reporter Domains" }).isDisabled()).toBe(true);
    expect(await seen.getByRole("checkbox", { name: "Reply To Reporter" }).isDisabled()).toBe(true);
    expect(await seen.getByRole("button").count()).toBe(0);
  }, 120_000);

  it("shows the server's refusal when the page's playbook is older than the server's", async () => {
    // A copy of phishing-triage (off) whose first version lacks the rule; the rule arrives while the page is open.
    const shipped = JSON.parse(
      fs.readFileSync(path.join(PROJECT_ROOT, "integrations/phishing-triage/playbooks/phishing-triage.json"), "utf8"),
    ) as { parameters: { name: string; requiredWhen?: unknown }[] };
    const copy = { ...shipped, name: "triage-copy", enabled: false };
    const withoutRule = { ...copy, parameters: copy.parameters.map(({ requiredWhen: _rule, ...parameter }) => parameter) };
    expect(copy.parameters.find((p) => p.name === "Reporter Domains")?.requiredWhen).toEqual({
      param: "Reply To Reporter",
      equals: "true",
    });
    await ok(["playbook", "import", ws.writeJson("copy-1.json", withoutRule)]);
    const page = await session.signedIn("admin", ADMIN_PASSWORD, "en-US", { width: 1400, height: 1000 });
    await page.goto(`${session.base}/playbooks/triage-copy`);
    const form = page.getByTestId("playbook-parameters");
    await form.getByRole("checkbox", { name: "Reply To Reporter" }).check();
    expect(await form.getByRole("textbox", { name: "Reporter Domains" }).getAttribute("aria-required")).toBe("false");
    await ok(["playbook", "import", ws.writeJson("copy-2.json", copy)]);
    await form.getByRole("button", { name: "Save parameters" }).click();
    await expect
      .poll(() => form.getByRole("alert").textContent())
      .toBe('PARAM_INVALID: "Reporter Domains" is required when "Reply To Reporter" is "true"');
    expect(await form.getByRole("status").count()).toBe(0);
    await shot(page, "5b-server-refusal-en");
    // Read again, the page knows the rule.
    await page.reload();
    await expect
      .poll(() => page.getByTestId("playbook-parameters").getByRole("textbox", { name: "Reporter Domains" }).getAttribute("aria-required"))
      .toBe("true");
  }, 120_000);

  it("speaks Korean on every new view", async () => {
    const page = await session.signedIn("admin", ADMIN_PASSWORD, "ko-KR", { width: 1400, height: 1000 });
    const earlier = cases.get("Payroll update")!;
    await page.goto(`${session.base}/cases/${cases.get("Payroll update again")}`);
    const table = page.getByTestId("verdict-evidence");
    await table.waitFor();
    expect(await table.locator("thead").textContent()).toBe("점수근거와 증거");
    expect(await table.locator('tr[data-kind="earlier-case"] .evidence-case').textContent()).toBe(`케이스 #${earlier} · 분석가 alice`);
    expect(await table.locator('tr[data-kind="feed"] .evidence-kind').textContent()).toBe("피드");
    expect(await table.locator('tr[data-kind="feed"] .evidence-feed').getAttribute("title")).toBe("B: 대체로 신뢰할 수 있음");
    await shot(page, "6-case-ko");
    await page.getByTestId("case-verdict").screenshot({ path: path.join(ARTIFACTS, "evidence-6-panel-ko.png") });

    await page.locator('nav a[href="/lists"]').click();
    await page.getByRole("heading", { name: "사용자 지정 목록" }).waitFor();
    expect(await page.locator('section[data-list="Shorteners"]').getByTestId("list-state").textContent()).toContain("기본값");
    expect(await page.locator('section[data-list="Shorteners"]').getByRole("button").allTextContents()).toEqual([
      "저장",
      "기본값으로 초기화",
    ]);
    await shot(page, "7-lists-ko");

    await page.goto(`${session.base}/feeds`);
    await page.getByRole("combobox", { name: "urlhaus의 신뢰도" }).waitFor();
    expect(await page.locator("thead").textContent()).toContain("신뢰도");
    expect(await page.getByTestId("reliability-hint").textContent()).toContain("F: 판단할 수 없음");
    await shot(page, "8-feeds-ko");

    await page.goto(`${session.base}/playbooks/phishing-triage`);
    const form = page.getByTestId("playbook-parameters");
    await form.getByRole("heading", { name: "플레이북 매개변수" }).waitFor();
    await form.getByRole("textbox", { name: "Reporter Domains" }).fill("");
    await form.getByRole("button", { name: "매개변수 저장" }).click();
    expect(await form.getByTestId("parameter-missing").textContent()).toBe(
      "“Reply To Reporter”이(가) 켜진 상태이면 “Reporter Domains”이(가) 필요합니다. 값을 입력하거나 “Reply To Reporter”을(를) 끄세요.",
    );
    expect(await form.locator('[data-param="Reporter Domains"]').textContent()).toContain(
      "“Reply To Reporter”이(가) 켜진 상태이면 필수입니다.",
    );
    await shot(page, "9-reply-refused-ko");
    expect(session.cspViolations).toEqual([]);
  }, 120_000);
});
