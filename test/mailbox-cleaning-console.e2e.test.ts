// The case view's mailbox panel (issue 31) in Debian's Chromium against `intake serve` and a Dovecot with a
// master user: an admin searches, purges and restores; the copies (mailbox, folder, read or not) and the
// recorded moves; an analyst sees them without Purge and Restore; English and Korean (test-artifacts/clean-*.png).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleSession, type ConsoleSession } from "./support/console-session.js";
import { makeWorkspace, PROJECT_ROOT, type Workspace } from "./support/cli.js";
import { deliverToMaildir, MASTER_PASSWORD, startDovecot, type Dovecot } from "./support/dovecot.js";
import { mailboxFullPhish } from "./support/triage.js";
import { configureEmail, createReportsConnector } from "./support/triage-workspace.js";

const ARTIFACTS = path.join(PROJECT_ROOT, "test-artifacts");
const ADMIN_PASSWORD = "clean-admin-password-1";
const ANALYST_PASSWORD = "clean-analyst-password-1";
const STAFF = ["kim", "lee", "park", "choi", "jung"];
const MESSAGE_ID = `<console-${Date.now()}@evil.test>`;
const PHISH = mailboxFullPhish(MESSAGE_ID);

let dovecot: Dovecot;
let ws: Workspace;
let session: ConsoleSession;
let caseId: number;

const shot = (page: Page, name: string) =>
  page
    .getByRole("region", { name: /Copies in staff mailboxes|직원 메일함의 사본/ })
    .screenshot({ path: path.join(ARTIFACTS, `clean-${name}.png`) });

async function ok(args: string[], env: Record<string, string> = {}) {
  const result = await ws.intake(args, { env });
  expect(result.code, `intake ${args.join(" ")}: ${result.stderr}`).toBe(0);
  return result;
}

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  dovecot = await startDovecot({ users: STAFF, masterUser: "intake-admin" });
  // One copy each; kim has read it.
  for (const [index, person] of STAFF.entries()) {
    const folder = path.join(dovecot.dir, "mail", person, "Maildir");
    for (const sub of ["cur", "new", "tmp"]) fs.mkdirSync(path.join(folder, sub), { recursive: true });
    fs.writeFileSync(
      index === 0 ? path.join(folder, "cur", `${Date.now()}.M1.console:2,S`) : path.join(folder, "new", `${Date.now()}.M1.console`),
      PHISH,
    );
  }
  if (process.getuid?.() === 0) execFileSync("chown", ["-R", "vmail:vmail", path.join(dovecot.dir, "mail")]);
  ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: dovecot.caFile });
  await ok(["users", "add", "admin", "--role", "admin"], { INTAKE_PASSWORD: ADMIN_PASSWORD });
  await ok(["users", "add", "alice", "--role", "analyst"], { INTAKE_PASSWORD: ANALYST_PASSWORD });
  await configureEmail(ws, {
    "Mailbox Server Address": "localhost",
    "Mailbox Server Port": dovecot.port,
    "Mailbox Admin Username": "intake-admin",
    "Mailbox Admin Password": MASTER_PASSWORD,
    Mailboxes: [...STAFF, "ghost"].map((person) => `${person}@example.test`).join(", "),
  });
  await ok(["playbook", "disable", "phishing-triage"]);
  await createReportsConnector(ws, dovecot.params());
  deliverToMaildir(dovecot, [PHISH]);
  await ok(["connector", "run", "reports", "--json"]);
  caseId = (JSON.parse((await ok(["cases", "export", "--jsonl"])).stdout.trim().split("\n")[0]!) as { id: number }).id;
  session = await consoleSession(ws, ["--no-scheduler"]);
}, 180_000);

afterAll(async () => {
  await session?.close();
  await dovecot?.stop();
});

describe("the case view's mailbox panel", () => {
  it("an admin searches, purges and restores; the copies and the moves are listed (English)", async () => {
    const page = await session.signedIn("admin", ADMIN_PASSWORD, "en-US", { width: 1400, height: 1000 });
    await page.goto(`${session.base}/cases/${caseId}`);
    const panel = page.getByRole("region", { name: "Copies in staff mailboxes" });
    await panel.getByText("Not searched yet.").waitFor();
    await panel.getByRole("button", { name: "Search mailboxes" }).click();
    await panel.locator("table.clean-copies tbody tr").nth(4).waitFor();
    expect(await panel.textContent()).toContain("5 copies found in 5 mailboxes");
    const rows = await panel
      .locator("table.clean-copies tbody tr")
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
    expect(rows.map((row) => row[0]).sort()).toEqual(STAFF.map((person) => `${person}@example.test`).sort());
    expect(rows.find((row) => row[0] === "kim@example.test")!.slice(1, 3)).toEqual(["INBOX", "read"]);
    expect(rows.find((row) => row[0] === "lee@example.test")!.slice(1, 3)).toEqual(["INBOX", "unread"]);
    expect(await panel.locator(".clean-failures").textContent()).toContain("ghost@example.test: IMAP_LOGIN");

    await panel.getByRole("button", { name: "Purge" }).click();
    await panel.getByText(/^5 copies moved to Quarantine/).waitFor({ timeout: 60_000 });
    await panel.getByText("No copy found in 0 mailboxes").waitFor({ timeout: 60_000 });
    const moves = panel.locator("table.clean-moves tbody tr");
    expect(await moves.count()).toBe(5);
    expect(await moves.locator("td:nth-child(6)").allTextContents()).toEqual(Array(5).fill("quarantined"));
    expect(await moves.locator("td:nth-child(5)").first().textContent()).toBe(MESSAGE_ID);
    await shot(page, "1-purged-en");

    await panel.getByRole("button", { name: "Restore" }).click();
    await panel.getByText(/^5 copies restored/).waitFor({ timeout: 60_000 });
    await panel.getByText("5 copies found in 5 mailboxes").waitFor({ timeout: 60_000 });
    expect(await moves.locator("td:nth-child(6)").allTextContents()).toEqual(Array(5).fill("restored"));
    await shot(page, "2-restored-en");
    expect(session.cspViolations).toEqual([]);
  });

  it("an analyst reads the copies and the moves in Korean, without Purge and Restore", async () => {
    await ok(["action", "run", "email", "Purge Email", "--case", String(caseId), "--json"]);
    await ok(["action", "run", "email", "Search Mailboxes", "--case", String(caseId), "--json"]);
    const page = await session.signedIn("alice", ANALYST_PASSWORD, "ko-KR", { width: 1400, height: 1000 });
    await page.goto(`${session.base}/cases/${caseId}`);
    const panel = page.getByRole("region", { name: "직원 메일함의 사본" });
    await panel.locator("table.clean-moves tbody tr").nth(9).waitFor();
    expect(await panel.getByRole("button", { name: "제거" }).count()).toBe(0);
    expect(await panel.getByRole("button", { name: "복원" }).count()).toBe(0);
    expect(await panel.textContent()).toContain("제거와 복원은 관리자만 할 수 있습니다.");
    expect(await panel.textContent()).toContain("격리 5개, 복원 5개");
    expect(await panel.locator("table.clean-moves tbody tr td:nth-child(6)").allTextContents()).toEqual([
      ...Array(5).fill("복원됨"),
      ...Array(5).fill("격리됨"),
    ]);
    await shot(page, "3-analyst-ko");
    expect(session.cspViolations).toEqual([]);
  });
});
