// One phish, one case: reports of one phishing mail, however staff send them, land in one campaign
// case; unrelated mail never does. Through the contract commands against a real Dovecot.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { deliverToMaildir, startDovecot, withImap, type Dovecot } from "./support/dovecot.js";
import { makeWorkspace, type Workspace } from "./support/cli.js";
import { phish, reportAsAttachment, reportInline, unrelated } from "./support/campaigns.js";
import { createReportsConnector, exportCases } from "./support/triage-workspace.js";

let server: Dovecot;
beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});
beforeEach(async () => {
  await withImap(server, async (client) => {
    await client.mailboxOpen("INBOX");
    await client.messageDelete("1:*").catch(() => undefined);
  });
});

interface ExportedCase {
  id: number;
  title: string;
  status: string;
  alert_count: number;
  links: { case_id: number; reason: string }[];
  alerts: { display_id: string; grouped_by?: string; events: Record<string, unknown>[] }[];
}

const cases = (ws: Workspace) => exportCases<ExportedCase>(ws);

async function connector(ws: Workspace, extra: string[] = []): Promise<void> {
  await createReportsConnector(ws, server.params(), extra);
}

/** Two campaigns (English and Korean) reported every way, and unrelated mail with the same footer. */
function mailbox() {
  const english = phish("Your mailbox is almost full", "mailbox-upgrade.test");
  const korean = phish("비밀번호 만료 안내", "account-kr.test", 2);
  const englishReports = [
    reportAsAttachment(english, "alice@company.test"),
    reportAsAttachment(english, "bob@company.test", "Fwd:"),
    reportInline(english, "carol@company.test", "FW:"),
    reportInline(english, "dave@company.test", "[EXTERNAL] Fwd:"),
    english.raw("erin@company.test"), // moved to the report mailbox as it is
  ];
  const koreanReports = [
    reportAsAttachment(korean, "jisoo@company.test", "전달:"),
    reportInline(korean, "minho@company.test", "전달:"),
    reportInline(korean, "yuna@company.test", "회신: 전달:"),
  ];
  const others = [
    unrelated("Weekly news"),
    unrelated("Cafeteria menu"),
    unrelated("Parking changes"),
    unrelated("Your mailbox is almost full"),
  ];
  return { english, korean, englishReports, koreanReports, others };
}

function campaignCase(all: ExportedCase[], subject: string): ExportedCase[] {
  return all.filter((c) => c.alerts.length > 1 && c.title.includes(subject));
}

describe("campaign cases", () => {
  it("groups two campaigns' reports into one case each, and leaves unrelated mail apart, in one run", async () => {
    const { englishReports, koreanReports, others } = mailbox();
    deliverToMaildir(server, [others[0]!, others[1]!, others[2]!, ...englishReports, ...koreanReports, others[3]!]);
    const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile });
    await connector(ws);
    const run = await ws.intake(["connector", "run", "reports", "--json"]);
    expect(ws.lastJson(run)).toMatchObject({ ingested: 12, failed: 0 });

    const all = await cases(ws);
    const english = campaignCase(all, "Your mailbox is almost full");
    const korean = campaignCase(all, "비밀번호 만료 안내");
    expect(english).toHaveLength(1);
    expect(korean).toHaveLength(1);
    expect(english[0]!.alerts).toHaveLength(5);
    expect(korean[0]!.alerts).toHaveLength(3);
    expect(english[0]!.alert_count).toBe(5);
    // The title is the shared subject, without the reporters' prefixes.
    expect(english[0]!.title).toBe("Your mailbox is almost full");
    expect(korean[0]!.title).toBe("비밀번호 만료 안내");
    // Each unrelated mail is a case of its own, the one with the campaign's subject too.
    expect(all).toHaveLength(2 + 4);
    expect(all.filter((c) => c.alerts.length === 1)).toHaveLength(4);
    expect(english[0]!.alerts.slice(1).every((a) => a.grouped_by)).toBe(true);
    // The figures the issue's closing note quotes, from the contract commands' own output.
    console.log(
      `grouping: ${all.flatMap((c) => c.alerts).length} alerts -> ${all.length} cases; ` +
        `reports per case: ${all.map((c) => `${c.alert_count} (${c.title})`).join(", ")}`,
    );
    // How each colleague reported it, for the case's list of reports.
    const how = english[0]!.alerts.map((a) => [
      a.events[0]!.ReporterEmailAddress ?? a.events[0]!.DestinationUserName,
      a.events[0]!.ReportedAs,
    ]);
    expect(how.sort()).toEqual([
      ["alice@company.test", "forwarded as attachment"],
      ["bob@company.test", "forwarded as attachment"],
      ["carol@company.test", "forwarded inline"],
      ["dave@company.test", "forwarded inline"],
      ["erin@company.test", "original message"],
    ]);
  });

  it("groups the same way when the reports arrive over several runs", async () => {
    const { englishReports, koreanReports, others } = mailbox();
    const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile });
    await connector(ws);
    const batches = [
      [others[0]!, englishReports[0]!, koreanReports[0]!],
      [englishReports[1]!, others[1]!, englishReports[2]!],
      [koreanReports[1]!, others[2]!, englishReports[3]!],
      [englishReports[4]!, koreanReports[2]!, others[3]!],
    ];
    for (const batch of batches) {
      deliverToMaildir(server, batch);
      const run = await ws.intake(["connector", "run", "reports", "--json"]);
      expect(run.code, run.stderr).toBe(0);
    }
    const all = await cases(ws);
    expect(campaignCase(all, "Your mailbox is almost full").map((c) => c.alerts.length)).toEqual([5]);
    expect(campaignCase(all, "비밀번호 만료 안내").map((c) => c.alerts.length)).toEqual([3]);
    expect(all).toHaveLength(6);
  });

  it("groups the same way after a run killed mid-way", async () => {
    const { englishReports, koreanReports, others } = mailbox();
    // Enough unrelated mail before the campaigns that the kill lands among them.
    const filler = Array.from({ length: 400 }, (_, i) => unrelated(`Notice ${i}`));
    deliverToMaildir(server, [...filler, ...englishReports, ...koreanReports, ...others]);
    const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile });
    await connector(ws);
    const child = ws.spawnIntake(["connector", "run", "reports", "--json"]);
    const closed = new Promise((resolve) => child.once("close", resolve));
    await new Promise((resolve) => setTimeout(resolve, 900 + Math.random() * 600));
    child.kill("SIGKILL");
    await closed;
    const final = await ws.intake(["connector", "run", "reports", "--json"]);
    expect(final.code, final.stderr).toBe(0);
    const all = await cases(ws);
    expect(all.flatMap((c) => c.alerts)).toHaveLength(400 + 12);
    expect(campaignCase(all, "Your mailbox is almost full").map((c) => c.alerts.length)).toEqual([5]);
    expect(campaignCase(all, "비밀번호 만료 안내").map((c) => c.alerts.length)).toEqual([3]);
  });

  it("honours the maximum per case and links the next case; off gives one case per alert", async () => {
    const { englishReports } = mailbox();
    deliverToMaildir(server, englishReports);
    const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile });
    await connector(ws, ["--grouping-max", "3"]);
    await ws.intake(["connector", "run", "reports", "--json"]);
    const all = await cases(ws);
    expect(all.map((c) => c.alerts.length).sort()).toEqual([2, 3]);
    const second = all.find((c) => c.alerts.length === 2)!;
    expect(second.links[0]).toMatchObject({ reason: "continues a case full at 3 alerts" });

    const { englishReports: again } = mailbox();
    deliverToMaildir(server, again);
    const off = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile });
    await connector(off, ["--grouping", "off"]);
    await off.intake(["connector", "run", "reports", "--json"]);
    expect((await cases(off)).map((c) => c.alerts.length)).toEqual([1, 1, 1, 1, 1]);
  });

  it("honours the time frame: reports sent days apart are separate campaigns", async () => {
    const early = phish("Invoice 2026-11 overdue", "billing-portal.test", 0);
    const late = {
      ...early,
      raw: (recipient: string) =>
        early
          .raw(recipient)
          .replace(/^Date: .*$/m, "Date: Tue, 24 Nov 2026 09:00:00 +0000")
          .replace(early.messageId, `late-${early.messageId}`),
    };
    deliverToMaildir(server, [reportInline(early, "a@company.test", "FW:", 1), reportInline(early, "b@company.test", "FW:", 2)]);
    deliverToMaildir(server, [late.raw("c@company.test").replace(/^Subject: .*$/m, "Subject: FW: Invoice 2026-11 overdue")]);
    const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile });
    await connector(ws, ["--grouping-hours", "24"]);
    await ws.intake(["connector", "run", "reports", "--json"]);
    expect((await cases(ws)).map((c) => c.alerts.length).sort()).toEqual([1, 2]);
  });

  it("a closed case is not reopened: a new report starts a new case linked to it", async () => {
    const message = phish("Shared document: Q4 plan", "docs-share.test");
    deliverToMaildir(server, [reportAsAttachment(message, "a@company.test")]);
    const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile });
    await connector(ws);
    await ws.intake(["connector", "run", "reports", "--json"]);
    const [first] = await cases(ws);
    await ws.intake(["cases", "close", String(first!.id), "--reason", "false positive"]);
    deliverToMaildir(server, [reportAsAttachment(message, "b@company.test")]);
    await ws.intake(["connector", "run", "reports", "--json"]);
    const all = await cases(ws);
    expect(all).toHaveLength(2);
    expect(all[1]!.links).toEqual([{ case_id: first!.id, reason: "new report of a closed case" }]);
  });

  it("analysts merge cases and move an alert out, each recorded with who and when; ingest keeps it so", async () => {
    const message = phish("Payroll update required", "payroll-hr.test");
    const other = phish("Payroll update needed", "payroll-hr2.test");
    deliverToMaildir(server, [
      reportAsAttachment(message, "a@company.test"),
      reportAsAttachment(message, "b@company.test"),
      reportAsAttachment(other, "c@company.test"),
    ]);
    const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile, INTAKE_ACTOR: "analyst-kim" });
    await connector(ws);
    await ws.intake(["connector", "run", "reports", "--json"]);
    let all = await cases(ws);
    expect(all.map((c) => c.alerts.length)).toEqual([2, 1]);
    const [target, source] = all;

    const merged = await ws.intake(["cases", "merge", String(target!.id), String(source!.id)]);
    expect(merged.code, merged.stderr).toBe(0);
    all = await cases(ws);
    expect(all.find((c) => c.id === target!.id)!.alerts).toHaveLength(3);
    expect(all.find((c) => c.id === source!.id)).toMatchObject({ status: "closed", alerts: [] });

    const moved = target!.alerts[1]!.display_id;
    const out = await ws.intake(["cases", "move-out", String(target!.id), moved]);
    expect(out.code, out.stderr).toBe(0);
    const newCase = Number(/into new case (\d+)/.exec(out.stdout)![1]);
    const history = await ws.intake(["cases", "history", String(target!.id)]);
    expect(history.stdout).toMatch(/analyst-kim\s+merge\s+\{"from":\[\d+\]\}/);
    expect(history.stdout).toMatch(new RegExp(`analyst-kim\\s+move_out\\s+.*"to":${newCase}`));

    // A further report of the moved alert's mail joins the open case with the same keys, the newest.
    deliverToMaildir(server, [reportAsAttachment(message, "d@company.test")]);
    await ws.intake(["connector", "run", "reports", "--json"]);
    all = await cases(ws);
    expect(all.find((c) => c.id === target!.id)!.alerts.map((a) => a.display_id)).not.toContain(moved);
    expect(all.find((c) => c.id === newCase)!.alerts.map((a) => a.display_id)).toContain(moved);
    // Each alert says why it is where it is: the analysts' decisions, by name.
    expect(all.find((c) => c.id === newCase)!.alerts.find((a) => a.display_id === moved)!.grouped_by).toBe(
      `moved out of case ${target!.id} by analyst-kim`,
    );
    expect(all.find((c) => c.id === target!.id)!.alerts.find((a) => a.display_id === source!.alerts[0]!.display_id)!.grouped_by).toBe(
      `merged from case ${source!.id} by analyst-kim`,
    );
  });
});
