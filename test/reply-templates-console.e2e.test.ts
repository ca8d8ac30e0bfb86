// The reply template editor in Debian's Chromium against `intake serve`: an admin edits the Korean
// malicious template, previews it with a sample report (its link defanged, its HTML shown as text, not
// rendered) and saves it; the English page too; screenshots in test-artifacts/.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminConsoleSession, type ConsoleSession } from "./support/console-session.js";
import { makeWorkspace, PROJECT_ROOT, type Workspace } from "./support/cli.js";

const ARTIFACTS = path.join(PROJECT_ROOT, "test-artifacts");
const PASSWORD = "replies-admin-password-1";
let ws: Workspace;
let session: ConsoleSession;

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  ws = makeWorkspace();
  session = await adminConsoleSession(ws, PASSWORD);
}, 300_000);

afterAll(async () => {
  await session?.close();
});

describe("the reply template editor", () => {
  it("edits, previews and saves a template in Korean, and shows the English page", async () => {
    const ko = await session.signedIn("admin", PASSWORD, "ko-KR");
    await ko.goto(`${session.base}/replies`);
    await ko.getByRole("heading", { name: "신고자 회신" }).waitFor();
    await ko.getByLabel("템플릿").selectOption("malicious/ko");
    const text = ko.getByLabel("일반 텍스트");
    await expect.poll(() => text.inputValue()).toContain("이 메일은 악성입니다");
    await text.fill("사례 #{{case.id}}: {{verdict}}\n{{reasons}}\n제목: {{report.subject}}");
    await ko.getByRole("button", { name: "미리 보기" }).click();
    const preview = ko.locator(".reply-preview");
    await expect.poll(() => preview.locator(".preview-text").textContent()).toContain("사례 #1234: malicious");
    expect(await preview.locator(".preview-text").textContent()).toContain("hxxps://mail-verify[.]example/login");
    // The HTML is shown as text: no element of it is in the page.
    expect(await preview.locator(".preview-html").textContent()).toContain("<p>");
    expect(await preview.locator("a").count()).toBe(0);
    await ko.screenshot({ path: path.join(ARTIFACTS, "replies-1-preview-ko.png"), fullPage: true });
    await ko.getByRole("button", { name: "저장" }).click();
    await ko.getByRole("status").waitFor();
    const stored = await ko.evaluate(
      async () =>
        (await (await fetch("/api/reply-templates")).json()) as {
          templates: { verdict: string; language: string; edited: boolean; text: string }[];
        },
    );
    expect(stored.templates.find((t) => t.verdict === "malicious" && t.language === "ko")).toMatchObject({
      edited: true,
      text: "사례 #{{case.id}}: {{verdict}}\n{{reasons}}\n제목: {{report.subject}}",
    });

    const en = await session.signedIn("admin", PASSWORD, "en-US");
    await en.goto(`${session.base}/replies`);
    await en.getByRole("heading", { name: "Replies to reporters" }).waitFor();
    await expect.poll(() => en.getByLabel("Plain text").inputValue()).toContain("It is malicious");
    await en.getByRole("button", { name: "Preview" }).click();
    await expect
      .poll(() => en.locator(".reply-preview .preview-text").textContent())
      .toContain("Thank you for reporting this message (case #1234)");
    await en.screenshot({ path: path.join(ARTIFACTS, "replies-2-preview-en.png"), fullPage: true });
    expect(session.cspViolations).toEqual([]);
  });
});
