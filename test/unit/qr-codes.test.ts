// QR codes in PNG and JPEG parts, decoded end to end (qrcode writes real codes; readMessage and buildAlert read
// them back as URL entities of the message that carries the image), and the bounds on what is decoded.
import { describe, expect, it } from "vitest";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { decodeQrImage, MAX_QR_IMAGES } from "../../integrations/email/lib/qr.js";
import { readMessage } from "../../integrations/email/lib/read-message.js";
import { buildAlert } from "../../integrations/email/lib/build-alert.js";
import { htmlWithImages, imagePart, qrPng } from "../support/email-images.js";

const PHISH = "https://qr-phish.example/login?id=9";

/** A message from staff to the phishing mailbox, its Message-ID made of its subject. */
function message(subject: string, body: string[], parts: string[][]): Buffer {
  const headers = { from: "Staff <staff@example.test>", to: "phishing@example.test", subject };
  return htmlWithImages({ ...headers, messageId: `${subject.replaceAll(" ", "-")}@example.test` }, body, parts);
}

describe("decodeQrImage", () => {
  it("reads a PNG's and a JPEG's QR code", async () => {
    const png = await qrPng(PHISH);
    expect(decodeQrImage(png, "image/png")).toEqual({ text: PHISH });
    const pixels = PNG.sync.read(png);
    const jpg = jpeg.encode({ data: pixels.data, width: pixels.width, height: pixels.height }, 90).data;
    expect(decodeQrImage(jpg, "image/jpeg")).toEqual({ text: PHISH });
  });

  it("skips tiny images, says why it skips huge or broken ones, and never throws", async () => {
    expect(decodeQrImage(await qrPng(PHISH, 40), "image/png")).toEqual({ none: true });
    const huge = Buffer.from(await qrPng(PHISH));
    huge.writeUInt32BE(3000, 16);
    huge.writeUInt32BE(3000, 20);
    expect(decodeQrImage(huge, "image/png")).toEqual({ skipped: "3000×3000 is more than 4000000 pixels" });
    const broken = Buffer.from(await qrPng(PHISH));
    broken.fill(0x41, 40);
    expect(decodeQrImage(broken, "image/png")).toMatchObject({ skipped: expect.stringContaining("could not be decoded") });
    expect(decodeQrImage(Buffer.alloc(6 * 1024 * 1024), "image/png")).toEqual({ skipped: "larger than 5242880 bytes" });
    expect(decodeQrImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 2, 0xff]), "image/jpeg")).toEqual({
      skipped: "its size could not be read",
    });
  });

  it("finds nothing in an image without a code", () => {
    const blank = new PNG({ width: 100, height: 100 });
    blank.data.fill(255);
    expect(decodeQrImage(PNG.sync.write(blank), "image/png")).toEqual({ none: true });
  });
});

describe("QR codes through readMessage and buildAlert", () => {
  it("makes an inline image's and an attachment's codes URLs of the message, looked up like any other", async () => {
    const raw = message(
      "qr direct",
      ['<p>Scan to keep your mailbox:</p><img src="cid:code1@x">'],
      [
        imagePart("code.png", "image/png", await qrPng(PHISH), "code1@x"),
        // Named .pdf, bytes of a PNG: read by what it is.
        imagePart("scan.pdf", "application/pdf", await qrPng("https://second.example/x")),
        // Named .png, bytes of text: not an image, never decoded.
        imagePart("fake.png", "image/png", Buffer.from("not an image at all")),
      ],
    );
    const report = await readMessage(raw);
    expect(report.urls).toEqual([PHISH, "https://second.example/x"]);
    const alert = buildAlert(report, { uid: 1, folder: "INBOX" });
    expect(alert.events[0]!.found_urls).toEqual([PHISH, "https://second.example/x"]);
    expect(alert.entities).toContainEqual({ type: "URL", value: PHISH, source: "qr code in code.png", depth: 0, qr_code: true });
    expect(alert.entities).toContainEqual({
      type: "URL",
      value: "https://second.example/x",
      source: "qr code in scan.pdf",
      depth: 0,
      qr_code: true,
    });
    expect(alert.entities).toContainEqual(expect.objectContaining({ type: "DOMAIN", value: "qr-phish.example" }));
  });

  it("gives a code in an inline forward's part the forwarded message's depth, the reporter's logo theirs", async () => {
    const raw = message(
      "qr inline forward",
      [
        '<div>Phish? <img src="cid:logo@x"></div><div>---------- Forwarded message ---------<br>From: IT &lt;it@qr-phish.example&gt;<br>',
        "Date: Tue, 10 Nov 2026 07:00:00 +0000<br>Subject: MFA reset<br>To: staff@example.test<br></div>" +
          '<p>Scan:</p><img src="cid:code1@x">',
      ],
      [
        imagePart("logo.png", "image/png", await qrPng("https://www.example.test/"), "logo@x"),
        imagePart("code.png", "image/png", await qrPng(PHISH), "code1@x"),
      ],
    );
    const alert = buildAlert(await readMessage(raw), { uid: 1, folder: "INBOX" });
    expect(alert.events[0]!.found_urls).toEqual([PHISH]);
    expect(alert.entities).toContainEqual({ type: "URL", value: PHISH, source: "forwarded qr code in code.png", depth: 1, qr_code: true });
    expect(alert.entities).toContainEqual({
      type: "URL",
      value: "https://www.example.test/",
      source: "qr code in logo.png",
      depth: 0,
      qr_code: true,
    });
  });

  it(`reads at most ${MAX_QR_IMAGES} images a message, and notes the rest`, async () => {
    const parts: string[][] = [];
    for (let index = 0; index < MAX_QR_IMAGES + 2; index++)
      parts.push(imagePart(`c${index}.png`, "image/png", await qrPng(`https://many.example/${index}`, 80)));
    const report = await readMessage(message("qr many", ["<p>codes</p>"], parts));
    expect(report.urls).toHaveLength(MAX_QR_IMAGES);
    expect(report.notes).toContain(`2 more images were not read for QR codes (at most ${MAX_QR_IMAGES} per message)`);
  });
});
