// The safe-recipient rules of "Reply To Reporter", the report's language, and reply rendering (defanged, escaped).
import { describe, expect, it } from "vitest";
import { planReplies } from "../../integrations/email/lib/reply-plan.js";
import { reportLanguageOf } from "../../integrations/email/lib/build-alert.js";
import type { MessageReport } from "../../integrations/email/lib/read-message.js";
import { defangText, renderTemplate } from "../../src/platform/outbox/templates.js";
import type { CurrentCase } from "../../src/sdk/action.js";

function caseOf(events: Record<string, unknown>[]): CurrentCase {
  return {
    id: 7,
    title: "t",
    priority: 60,
    status: "open",
    environment: "",
    alerts: events.map((event, index) => ({ identifier: `a${index}`, name: "n", product: "Mail", startTime: 0, events: [event] })),
  };
}

const OUR_MX = "mx.example.test";
const passFor = (domain: string) => [
  { authservId: OUR_MX, spf: "pass", spfDomain: domain, dkim: "pass", dkimDomains: [domain], dmarc: "pass", dmarcDomain: domain },
];
const forwarded = (reporter: string, extra: Record<string, unknown> = {}) => ({
  ReportedAs: "forwarded as attachment",
  ReporterEmailAddress: reporter,
  ReporterSubject: "FW: hi",
  MessageId: "r1@example.test",
  ForwardDepth: 1,
  ReporterAuthResults: passFor(reporter.slice(reporter.lastIndexOf("@") + 1).toLowerCase()),
  SourceEmailAddress: "mallory@evil.test",
  ReplyTo: "Eve <eve@evil.test>",
  ReturnPath: "<bounce@evil.test>",
  ReportLanguage: "",
  ...extra,
});
const policy = { reporterDomains: ["example.test", "x.test"], trustedServers: [OUR_MX] };

describe("planReplies", () => {
  it("answers only the reporter of a forwarded report, threaded under it", () => {
    const { replies, skipped } = planReplies(caseOf([forwarded("Alice@Example.test", { ReportLanguage: "ko-KR" })]), "en", policy);
    expect(skipped).toEqual([]);
    expect(replies).toEqual([{ alert: "a0", to: "alice@example.test", subject: "FW: hi", messageId: "<r1@example.test>", language: "ko" }]);
  });

  it("never answers the suspect mail itself, its sender, Reply-To or Return-Path, or an unusable address", () => {
    const { replies, skipped } = planReplies(
      caseOf([
        { ReportedAs: "original message", SourceEmailAddress: "mallory@evil.test", MessageId: "p@evil.test" },
        forwarded("mallory@evil.test"),
        forwarded("eve@evil.test"),
        forwarded("bounce@evil.test"),
        forwarded("a@b.test, c@d.test"),
        forwarded(""),
      ]),
      "en",
      policy,
    );
    expect(replies).toEqual([]);
    expect(skipped.map((skip) => skip.alert)).toEqual(["a0", "a1", "a2", "a3", "a4", "a5"]);
    expect(skipped[0]!.reason).toMatch(/suspect message itself/);
  });

  it("answers each reporter of a campaign once, in the default language when the report says none", () => {
    const { replies, skipped } = planReplies(caseOf([forwarded("a@x.test"), forwarded("b@x.test"), forwarded("A@x.test")]), "ko", policy);
    expect(replies.map((reply) => [reply.to, reply.language])).toEqual([
      ["a@x.test", "ko"],
      ["b@x.test", "ko"],
    ]);
    expect(skipped).toHaveLength(1);
  });
});

describe("planReplies: only our own people, as our own server authenticated them", () => {
  it("answers no one outside the organisation's domains, and no one at all when they are not set", () => {
    const third = planReplies(caseOf([forwarded("victim@elsewhere.test")]), "en", policy);
    expect(third.replies).toEqual([]);
    expect(third.skipped[0]!.reason).toBe("the reporter victim@elsewhere.test is not in the organisation's domains (example.test, x.test)");
    const unset = planReplies(caseOf([forwarded("alice@example.test")]), "en", { reporterDomains: [], trustedServers: [OUR_MX] });
    expect(unset.replies).toEqual([]);
    expect(unset.skipped[0]!.reason).toContain('no "Reporter Domains" are set');
  });

  it("answers no forged staff or list address: DMARC failed at our MX, or the pass was written by someone else", () => {
    const forged = planReplies(
      caseOf([
        forwarded("ceo@example.test", {
          ReporterAuthResults: [{ authservId: OUR_MX, spf: "fail", dmarc: "fail", dmarcDomain: "example.test" }],
        }),
        forwarded("all-staff@example.test", {
          ReporterAuthResults: [{ authservId: "mx.attacker.test", dmarc: "pass", dmarcDomain: "example.test" }],
        }),
        forwarded("bob@example.test", { ReporterAuthResults: [] }),
        forwarded("carol@example.test", { ReporterAuthResults: [{ authservId: OUR_MX, dmarc: "pass", dmarcDomain: "evil.test" }] }),
      ]),
      "en",
      policy,
    );
    expect(forged.replies).toEqual([]);
    expect(forged.skipped.map((skip) => skip.reason)).toEqual([
      "the report from ceo@example.test is not authenticated: " +
        "mx.example.test did not authenticate the report's sender (dmarc=fail, spf=fail, dkim=none)",
      "the report from all-staff@example.test is not authenticated: " +
        "the report's Authentication-Results were not written by a Trusted Authentication Server",
      "the report from bob@example.test is not authenticated: the report carries no Authentication-Results from our mail server",
      "the report from carol@example.test is not authenticated: " +
        "mx.example.test did not authenticate the report's sender (dmarc=pass, spf=none, dkim=none)",
    ]);
  });

  it("believes Microsoft 365's header without an authserv-id only as the topmost, under a trusted receiving host", () => {
    const m365 = {
      ReporterAuthResults: [{ authservId: "", spf: "pass", spfDomain: "example.test", dmarc: "pass", dmarcDomain: "example.test" }],
      ReporterReceivedBy: "SEZPR01MB1234.apcprd01.prod.outlook.com",
    };
    expect(
      planReplies(caseOf([forwarded("alice@example.test", m365)]), "en", { ...policy, trustedServers: ["prod.outlook.com"] }).replies,
    ).toHaveLength(1);
    expect(planReplies(caseOf([forwarded("alice@example.test", m365)]), "en", { ...policy, trustedServers: [OUR_MX] }).replies).toEqual([]);
  });

  it("answers a staff member our MX authenticated by SMTP AUTH", () => {
    const internal = { ReporterAuthResults: [{ authservId: OUR_MX, auth: "pass", authUser: "alice" }] };
    expect(planReplies(caseOf([forwarded("alice@example.test", internal)]), "en", policy).replies).toHaveLength(1);
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
    expect(
      reportLanguageOf(
        report(
          "Please check\n---------- Forwarded message ---------\nFrom: 보안팀 <sec@evil.test>\nSubject: 계정 정지\n\n계정이 정지되었습니다 확인하세요",
          [],
          true,
        ),
      ),
    ).toBe("en");
  });
});

describe("rendering", () => {
  it("defangs hostile values and escapes them in HTML; nothing becomes a link", () => {
    expect(defangText("see https://evil.test/a and www.bad.example or x@evil.test, e.g. fine")).toBe(
      "see hxxps://evil[.]test/a and www[.]bad[.]example or x@evil[.]test, e[.]g. fine",
    );
    expect(defangText(defangText("hxxps://evil[.]test"))).toBe("hxxps://evil[.]test");
    // Every Unicode full stop is a dot to a linkifier (IDNA maps them), and zero-width characters hide one.
    expect(defangText("evil\u3002test evil\uff0etest evil\uff61test evil\u2024test evil\ufe52test")).toBe(
      "evil[.]test evil[.]test evil[.]test evil[.]test evil[.]test",
    );
    expect(defangText("ev\u200bil.te\u200cst e\u200dvil\u2060.test \ufeffevil.t\u00adest https\u200b://x\u3002y")).toBe(
      "evil[.]test evil[.]test evil[.]test hxxps://x[.]y",
    );
    expect(defangText(defangText("hxxps://evil\u3002test"))).toBe("hxxps://evil[.]test");
    const out = renderTemplate(
      {
        subject: "Re: {{report.subject}}",
        text: "#{{case.id}} {{verdict}}\n{{reasons}}",
        html: "<p>{{report.subject}}</p><p>{{reasons}}</p>",
      },
      {
        caseId: 12,
        reportSubject: 'FW: <a href="https://evil.test">x</a>\r\nBcc: y',
        verdict: "malicious",
        reasons: ["URL http://evil.test/x in feed", "<script>"],
      },
    );
    // The outsider's subject never reaches a reply's subject, even from a template that names it.
    expect(out.subject).toBe("Re: ");
    expect(out.text).toBe("#12 malicious\n- URL hxxp://evil[.]test/x in feed\n- <script>");
    expect(out.html).not.toMatch(/<a\b|<script/);
    expect(out.html).toContain("&#60;script&#62;");
  });
});
