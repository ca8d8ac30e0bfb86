// Where a message forwarded inline starts (the separators mailers write, in English and Korean), and what
// stays the reporter's own: bounded on hostile text.
import { describe, expect, it } from "vitest";
import { findInlineForward, findInlineForwardStart, readMessage } from "../../integrations/email/lib/read-message.js";
import { buildAlert, reportLanguageOf } from "../../integrations/email/lib/build-alert.js";

const own = "Please look at this.\nAlex | https://www.example.test/alex\n\n";

describe("findInlineForward", () => {
  it("finds Gmail's separator, with English or Korean keys", () => {
    for (const block of [
      "---------- Forwarded message ---------\nFrom: A <a@evil.test>\nDate: Mon, 2 Nov 2026\nSubject: Hi\nTo: <b@example.test>\n\nbody",
      "---------- Forwarded message ---------\n보낸사람: A <a@evil.test>\nDate: 2026년 11월 2일 (월) 오전 9:00\n" +
        "Subject: 안녕\nTo: <b@example.test>\n\nbody",
    ]) {
      const found = findInlineForward(own + block)!;
      expect(found.at).toBe(own.length);
      expect(found.fields.from).toBe("A <a@evil.test>");
      expect((own + block).slice(found.bodyAt).trim()).toBe("body");
    }
  });

  it("finds Thunderbird's, Naver's (Korean keys with and without spaces), Daum's and Apple Mail's", () => {
    const cases = [
      "-------- Forwarded Message --------\nSubject: \tHi\nDate: \tMon, 2 Nov 2026 09:00:00 +0000\n" +
        "From: \tA <a@evil.test>\nTo: \tb@example.test\n\nbody",
      "-----Original Message-----\n보낸 사람: A <a@evil.test>\n받는 사람: b@example.test\n보낸 날짜: 2026-11-02\n제목: 안녕\n참조: c@example.test\n\nbody",
      "-----Original Message-----\n보낸사람: A <a@evil.test>\n받는사람: b@example.test\n날짜: 2026-11-02\n제목: 안녕\n\nbody",
      "---------- 원본 메일 ----------\n보낸사람: A <a@evil.test>\n받는사람: b@example.test\n날짜: 26.11.02 09:00\n제목: 안녕\n\nbody",
      "Begin forwarded message:\n\nFrom: A <a@evil.test>\nSubject: Hi\nDate: 2 November 2026 at 09:00:00 GMT\nTo: b@example.test\n\nbody",
      "> ---------- Forwarded message ---------\n> *From:* A <a@evil.test>\n> *Subject:* Hi\n>\n> body",
    ];
    for (const block of cases) {
      const found = findInlineForward(own + block);
      expect(found, block).toBeDefined();
      expect(found!.at).toBe(own.length);
      expect(found!.fields.from).toBe("A <a@evil.test>");
    }
  });

  it("finds Outlook's From/Sent/To/Subject block after a rule, or alone at a line start (and in Korean)", () => {
    const afterRule =
      "________________________________\nFrom: A <a@evil.test>\n" +
      "Sent: Monday, November 2, 2026 9:00 AM\nTo: b@example.test\nSubject: Hi\n\nbody";
    expect(findInlineForward(own + afterRule)!.at).toBe(own.length);
    const alone = "From: A <a@evil.test>\nSent: Monday, November 2, 2026 9:00 AM\nTo: b@example.test\nSubject: Hi\n\nbody";
    expect(findInlineForward(own + alone)!.at).toBe(own.length);
    const korean = "보낸 사람: A <a@evil.test>\n보낸 날짜: 2026년 11월 2일 월요일 오전 9:00\n받는 사람: b@example.test\n제목: 안녕\n\nbody";
    expect(findInlineForward(own + korean)!.fields.subject).toBe("안녕");
  });

  it("does not take a signature's rule, or a line that starts 'From:' in prose, for a forward", () => {
    expect(findInlineForward("Thanks\n________________________________\nAlex | Finance\n\nMore text")).toBeUndefined();
    expect(findInlineForward("From: the team, with thanks.\nSee you soon.\n")).toBeUndefined();
    // A rule of the signature first, the forward after it: the forward's rule is where it starts.
    const text =
      "Hi\n________________________________\nAlex | Finance\n\n" +
      "________________________________\nFrom: A <a@evil.test>\nSent: x\nSubject: y\n\nbody";
    expect(findInlineForwardStart(text)).toBe(text.lastIndexOf("________________________________"));
  });

  it("is linear on hostile text (thousands of separators and From lines without a block)", () => {
    const hostile = "---------- Forwarded message ---------\nnothing\n".repeat(20_000) + "From: x\n".repeat(100_000);
    const started = Date.now();
    expect(findInlineForward(hostile)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe("an inline forward read through readMessage", () => {
  it("keeps the reporter's words for the report's language (cut at the same separator)", async () => {
    const raw = Buffer.from(
      [
        "From: 김지원 <jiwon@example.test>",
        "To: phishing@example.test",
        "Subject: FW: Invoice",
        "Date: Mon, 02 Nov 2026 10:00:00 +0000",
        "Message-ID: <lang-1@example.test>",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "확인 부탁드립니다. 감사합니다.",
        "",
        "From: Accounts <accounts@invoice.example>",
        "Sent: Monday, November 2, 2026 9:00 AM",
        "To: jiwon@example.test",
        "Subject: Invoice overdue",
        "",
        "Please pay the invoice attached to this message within three days, or your account will be closed.",
        "",
      ].join("\r\n"),
    );
    const report = await readMessage(raw);
    expect(report.forwarded[0]?.forwardedInline).toBe(true);
    expect(reportLanguageOf(report)).toBe("ko");
    const alert = buildAlert(report, { uid: 1, folder: "INBOX" });
    expect(alert.events[0]!.SourceEmailAddress).toBe("accounts@invoice.example");
    expect(alert.events[0]!.AuthResults).toBeUndefined();
  });
});
