// Messages whose HTML shows images of their own (multipart/related, boundary "b1"), for the QR code tests:
// the reader's unit test and the connector's end-to-end one build their messages alike.
import QRCode from "qrcode";

/** A real QR code of `text`, as a PNG. */
export const qrPng = (text: string, width = 240) => QRCode.toBuffer(text, { type: "png", width, margin: 2 });

/** An image part: inline under `contentId` (the HTML's cid:), else an attachment. */
export function imagePart(name: string, type: string, data: Buffer, contentId?: string): string[] {
  return [
    "--b1",
    `Content-Type: ${type}; name="${name}"`,
    "Content-Transfer-Encoding: base64",
    contentId ? `Content-ID: <${contentId}>` : `Content-Disposition: attachment; filename="${name}"`,
    ...(contentId ? [`Content-Disposition: inline; filename="${name}"`] : []),
    "",
    data.toString("base64").replace(/(.{76})/g, "$1\r\n"),
  ];
}

/** The message: its headers (From, To, Subject, Message-ID), the HTML lines, then the image parts. */
export function htmlWithImages(
  headers: { from: string; to: string; subject: string; messageId: string },
  html: string[],
  parts: string[][],
): Buffer {
  return Buffer.from(
    [
      `From: ${headers.from}`,
      `To: ${headers.to}`,
      `Subject: ${headers.subject}`,
      "Date: Tue, 10 Nov 2026 08:00:00 +0000",
      `Message-ID: <${headers.messageId}>`,
      "MIME-Version: 1.0",
      'Content-Type: multipart/related; boundary="b1"',
      "",
      "--b1",
      "Content-Type: text/html; charset=utf-8",
      "",
      ...html,
      ...parts.flat(),
      "--b1--",
      "",
    ].join("\r\n"),
  );
}
