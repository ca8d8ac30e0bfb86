// What reading one large message costs in memory: builds a message with a SIZE-MB attachment, reads it
// with the connector's readMessage + buildAlert, and prints peak RSS against the message size.
// usage: node scripts/email-memory.mjs [SIZE_MB=25]   (bundles the TypeScript source with esbuild first)
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const sizeMb = Number(process.argv[2] ?? 25);

const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;

if (process.env.EMAIL_MEMORY_CHILD !== "1") {
  // Inside the project, so that the bundle finds the project's packages.
  fs.mkdirSync(path.join(root, "node_modules", ".cache"), { recursive: true });
  const dir = fs.mkdtempSync(path.join(root, "node_modules", ".cache", "intake-email-memory-"));
  const entry = path.join(dir, "entry.ts");
  fs.writeFileSync(
    entry,
    `export { readMessage } from ${JSON.stringify(path.join(root, "integrations/email/lib/read-message.ts"))};\n` +
      `export { buildAlert } from ${JSON.stringify(path.join(root, "integrations/email/lib/build-alert.ts"))};\n`,
  );
  // The attachment's base64 makes the message SIZE MB in all; built in a function so that only it stays.
  const message = (() => {
    const payload = Buffer.alloc(Math.floor(((sizeMb * 1048576 * 3) / 4) * (76 / 78)), 0x41);
    payload.write("%PDF-1.7\n", 0);
    const base64 = payload.toString("base64").replace(/.{76}/g, "$&\r\n");
    return Buffer.from(
      [
        "From: a@example.test",
        "To: b@example.test",
        "Subject: large",
        "Date: Mon, 02 Nov 2026 10:00:00 +0000",
        "Message-ID: <large@example.test>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="L"',
        "",
        "--L",
        "Content-Type: text/plain",
        "",
        "see https://large.example.test/x",
        "--L",
        'Content-Type: application/pdf; name="big.pdf"',
        "Content-Transfer-Encoding: base64",
        "",
        base64,
        "--L--",
        "",
      ].join("\r\n"),
    );
  })();
  fs.writeFileSync(path.join(dir, "message.eml"), message);
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: path.join(dir, "reader.mjs"),
    alias: { "intake/sdk": path.join(root, "src/sdk/index.ts") },
    logLevel: "error",
  });
  execFileSync(
    process.execPath,
    [
      ...(process.env.EMAIL_MEMORY_NODE_FLAGS ?? "").split(" ").filter(Boolean),
      "--expose-gc",
      fileURLToPath(import.meta.url),
      String(sizeMb),
    ],
    {
      stdio: "inherit",
      env: {
        ...process.env,
        EMAIL_MEMORY_CHILD: "1",
        EMAIL_MEMORY_READER: path.join(dir, "reader.mjs"),
        EMAIL_MEMORY_MESSAGE: path.join(dir, "message.eml"),
      },
    },
  );
  fs.rmSync(dir, { recursive: true, force: true });
} else {
  const { readMessage, buildAlert } = await import(process.env.EMAIL_MEMORY_READER);

  const raw = fs.readFileSync(process.env.EMAIL_MEMORY_MESSAGE);
  globalThis.gc();
  const before = process.memoryUsage();
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  const report = await readMessage(raw);
  const alert = buildAlert(report, { uid: 1, folder: "INBOX" });
  const after = process.memoryUsage();
  const peak = process.resourceUsage().maxRSS * 1024;
  const file = alert.entities.find((e) => e.type === "FILE");
  console.log(
    `message ${mb(raw.length)}; attachment ${file?.value} ${mb(file?.size ?? 0)} ${file?.sniffed_type}; urls ${report.urls.join(",")}`,
  );
  console.log(
    `peak RSS before reading ${mb(peakBefore)} (message built: ${mb(before.rss)} RSS), peak RSS while reading ${mb(peak)}: ` +
      `reading cost ${mb(peak - before.rss)} = ${((peak - before.rss) / raw.length).toFixed(2)} x the message size`,
  );
  console.log(
    `after reading: RSS ${mb(after.rss)}, heap ${mb(after.heapUsed)}, array buffers ${mb(after.arrayBuffers)} ` +
      `(the message itself ${mb(raw.length)} is kept as original.eml)`,
  );
}
