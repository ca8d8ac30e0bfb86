// The safe-recipient rules of "Reply To Reporter", the report's language, and reply rendering (defanged, escaped).
import { describe, expect, it } from "vitest";
import { planReplies } from "../../integrations/email/lib/reply-plan.js";
import { reportLanguageOf } from "../../integrations/email/lib/build-alert.js";
import type { MessageReport } from "../../integrations/email/lib/read-message.js";
import { defangText, renderTemplate } from "../../src/platform/outbox/templates.js";
import type { CurrentCase } from "../../src/sdk/action.js";

function caseOf(events: Record<string, unknown>[]): CurrentCase {
  return { id: 7, title: "t", priority: 60, status: "open", environment: "", alerts: events.map((event, index) => ({ identifier: `a${index}`, name: "n", product: "Mail", startTime: 0, events: [event] })) };
}

const forwarded = (reporter: string, extra: Record<string, unknown> = {}) => ({
  ReportedAs: "forwarded as attachment", ReporterEmailAddress: reporter, ReporterSubject: "FW: hi", MessageId: "r1@example.test",
  SourceEmailAddress: "mallory@evil.test", ReplyTo: "Eve <eve@evil.test>", ReturnPath: "<bounce@evil.test>", ReportLanguage: "", ...extra,
});

describe("planReplies", () => {
  it("answers only the reporter of a forwarded report, threaded under it", () => {
    const { replies, skipped } = planReplies(caseOf([forwarded("Alice@Example.test", { ReportLanguage: "ko-KR" })]), "en");
    expect(skipped).toEqual([]);
    expect(replies).toEqual([{ alert: "a0", to: "alice@example.test", subject: "FW: hi", messageId: "<r1@example.test>", language: "ko" }]);
  });

  it("never answers the suspect mail itself, its sender, Reply-To or Return-Path, or an unusable address", () => {
    const { replies, skipped } = planReplies(caseOf([
      { ReportedAs: "original message", SourceEmailAddress: "mallory@evil.test", MessageId: "p@evil.test" },
      forwarded("mallory@evil.test"),
      forwarded("eve@evil.test"),
      forwarded("bounce@evil.test"),
      forwarded("a@b.test, c@d.test"),
      forwarded(""),
    ]), "en");
    expect(replies).toEqual([]);
    expect(skipped.map((skip) => skip.alert)).toEqual(["a0", "a1", "a2", "a3", "a4", "a5"]);
    expect(skipped[0]!.reason).toMatch(/suspect message itself/);
  });

  it("answers each reporter of a campaign once, in the default language when the report says none", () => {
    const { replies, skipped } = planReplies(caseOf([forwarded("a@x.test"), forwarded("b@x.test"), forwarded("A@x.test")]), "ko");
    expect(replies.map((reply) => [reply.to, reply.language])).toEqual([["a@x.test", "ko"], ["b@x.test", "ko"]]);
    expect(skipped).toHaveLength(1);
  });
});

describe("reportLanguageOf", () => {
  const report = (bodyText: string, headers: { key: string; value: string }[] = [], inline = false) =>
    ({ bodyText, headers, forwarded: inline ? [{ forwardedInline: true }] : [] }) as unknown as MessageReport;
  it("reads Content-Language, else Hangul against Latin letters of the reporter's own words", () => {
    expect(reportLanguageOf(report("Hello", [{ key: "content-language", value: "ko-KR" }]))).toBe("ko-KR");
    expect(reportLanguageOf(report("피싱 메일 같습니다. Outlook에서 받았어요"))).toBe("ko");
    expect(reportLanguageOf(report("Is this phishing?"))).toBe("en");
    expect(reportLanguageOf(report("123 !!!"))).toBe("");
    // Inline forward: the quoted phish (Korean here) is not the reporter's language.
    expect(reportLanguageOf(report("Please check\n---------- Forwarded message ---------\n계정이 정지되었습니다 확인하세요", [], true))).toBe("en");
  });
});

describe("rendering", () => {
  it("defangs hostile values and escapes them in HTML; nothing becomes a link", () => {
    expect(defangText("see https://evil.test/a and www.bad.example or x@evil.test, e.g. fine")).toBe("see hxxps://evil[.]test/a and www[.]bad[.]example or x@evil[.]test, e[.]g. fine");
    expect(defangText(defangText("hxxps://evil[.]test"))).toBe("hxxps://evil[.]test");
    const out = renderTemplate({ subject: "Re: {{report.subject}}", text: "#{{case.id}} {{verdict}}\n{{reasons}}", html: "<p>{{report.subject}}</p><p>{{reasons}}</p>" },
      { caseId: 12, reportSubject: "FW: <a href=\"https://evil.test\">x</a>\r\nBcc: y", verdict: "malicious", reasons: ["URL http://evil.test/x in feed", "<script>"] });
    expect(out.subject).toBe('Re: FW: <a href="hxxps://evil[.]test">x</a> Bcc: y');
    expect(out.text).toBe("#12 malicious\n- URL hxxp://evil[.]test/x in feed\n- <script>");
    expect(out.html).not.toMatch(/<a\b|<script/);
    expect(out.html).toContain("&#60;script&#62;");
  });
});
