// How packages cross from a connector's process to the platform (the built runner, a real child
// process): files travel beside the message and arrive byte for byte; a connector may hand over its
// next package before the last is stored, and once one is not stored, none after it is.
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "./support/cli.js";

type Drive = typeof import("../src/platform/runner/drive.js");
type Spool = typeof import("../src/platform/runner/spool.js");
// The runner forks its built child entry: the built modules are used, as the CLI uses them.
const { driveCodeProcess } = (await import(path.join(PROJECT_ROOT, "dist/src/platform/runner/drive.js"))) as Drive;
const { spoolPackage, unspoolPackage } = (await import(path.join(PROJECT_ROOT, "dist/src/platform/runner/spool.js"))) as Spool;
const LARGE = 64 * 1024;
const { IntakeError } = (await import(path.join(PROJECT_ROOT, "dist/src/sdk/errors.js"))) as typeof import("../src/sdk/errors.js");

const made: string[] = [];
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

function folder(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A connector module (plain JavaScript, as the compiler emits) written to a folder of its own. */
function connectorModule(body: string): string {
  const dir = folder("intake-handover-");
  const file = path.join(dir, "connector.mjs");
  fs.writeFileSync(
    file,
    `const alert = (id, files = []) => ({ display_id: id, ticket_id: id, name: id, rule_generator: "t", start_time: 1, end_time: 1, ` +
      `priority: 60, device_vendor: "T", device_product: "T", environment: "", ` +
      `events: [{ StartTime: 1, EndTime: 1, event_name: "e", device_product: "T" }], ` +
      `extensions: {}, entities: [], attachments: files, notes: [] });\nexport default async function main(execution) {\n${body}\n}\n`,
  );
  return file;
}

/** The sandbox lets a connector read its module's folder, as an integration's folder. */
const readRoots = (modulePath: string) => [path.dirname(modulePath)];

function init(modulePath: string) {
  return {
    t: "init" as const,
    modulePath,
    taskName: "handover",
    mode: "run" as const,
    isTestRun: false,
    parameters: {},
    secretParameters: [],
    context: {},
    allowList: [],
  };
}

describe("package hand-over", () => {
  it("gives the platform every file byte for byte, large ones through the spool and small ones in the message", async () => {
    const large = crypto.randomBytes(LARGE * 3);
    const small = Buffer.from("a small file");
    const modulePath = connectorModule(`
      const large = Buffer.from(${JSON.stringify(large.toString("base64"))}, "base64");
      await execution.returnPackage([
        alert("one", [
          { fileName: "original.eml", contentType: "message/rfc822", data: large },
          { fileName: "note.txt", contentType: "text/plain", data: Buffer.from("a small file") },
        ]),
        alert("two"),
        alert("three", [{ fileName: "copy.eml", contentType: "message/rfc822", data: large.subarray(7, 7 + ${LARGE}) }]),
      ]);`);
    const received: { id: string; files: { name: string; data: Buffer }[] }[] = [];
    const outcome = await driveCodeProcess(init(modulePath), {
      timeoutSeconds: 30,
      memoryMb: 256,
      readRoots: readRoots(modulePath),
      onLog: () => undefined,
      onPackage: async (alerts) => {
        for (const alert of alerts as { display_id: string; attachments: { fileName: string; data: Uint8Array }[] }[]) {
          received.push({
            id: alert.display_id,
            files: alert.attachments.map((file) => ({ name: file.fileName, data: Buffer.from(file.data) })),
          });
        }
        return { committed: true, results: [], stored: [] };
      },
    });
    expect(outcome.status).toBe("succeeded");
    expect(received.map((alert) => alert.id)).toEqual(["one", "two", "three"]);
    expect(received[0]!.files[0]!.data.equals(large)).toBe(true);
    expect(received[0]!.files[1]!.data.equals(small)).toBe(true);
    expect(received[2]!.files[0]!.data.equals(large.subarray(7, 7 + LARGE))).toBe(true);
  });

  it("stores no package after one that failed, though the connector sent them before it knew", async () => {
    const modulePath = connectorModule(`
      const handed = [1, 2, 3].map((n) => execution.returnPackage([alert("p" + n)]));
      const settled = await Promise.allSettled(handed);
      execution.logger.info("outcomes " + JSON.stringify(settled.map((s) => (s.status === "fulfilled" ? "stored" : s.reason.code))));`);
    const logs: string[] = [];
    const calls: string[] = [];
    const outcome = await driveCodeProcess(init(modulePath), {
      timeoutSeconds: 30,
      memoryMb: 256,
      readRoots: readRoots(modulePath),
      onLog: (entry) => logs.push(entry.message),
      onPackage: async (alerts) => {
        calls.push((alerts[0] as { display_id: string }).display_id);
        if (calls.length === 1) throw new IntakeError("DB_WRITE", "database or disk is full");
        return { committed: true, results: [], stored: [] };
      },
    });
    expect(outcome.status).toBe("succeeded");
    // The platform was asked to store the first package only.
    expect(calls).toEqual(["p1"]);
    expect(logs).toContain(`outcomes ${JSON.stringify(["DB_WRITE", "PACKAGE_AFTER_FAILURE", "PACKAGE_AFTER_FAILURE"])}`);
  });
});

describe("spool files", () => {
  const dir = () => folder("intake-spool-test-");
  const withFiles = (...files: Uint8Array[]) => [
    { display_id: "x", attachments: files.map((data, i) => ({ fileName: `f${i}`, contentType: "x", data })) },
    { display_id: "y", attachments: [] },
  ];
  type Sent = ReturnType<typeof withFiles>;

  it("gives the alerts back with their files and removes the file; the alerts handed over are unchanged", () => {
    const spool = dir();
    const [a, b] = [crypto.randomBytes(LARGE), Buffer.from("small")];
    const alerts = withFiles(a, b);
    spoolPackage(spool, 4, alerts);
    expect(alerts[0]!.attachments[0]!.data).toBe(a);
    expect(fs.readdirSync(spool)).toEqual(["4.bin"]);
    const back = unspoolPackage(spool, 4) as Sent;
    expect(back.map((alert) => alert.display_id)).toEqual(["x", "y"]);
    expect(Buffer.from(back[0]!.attachments[0]!.data).equals(a)).toBe(true);
    expect(Buffer.from(back[0]!.attachments[1]!.data).equals(b)).toBe(true);
    expect(fs.readdirSync(spool)).toEqual([]);
  });

  it("refuses a package whose file is missing, cut short or points outside its bytes", () => {
    const spool = dir();
    expect(() => unspoolPackage(spool, 5)).toThrow(/missing/);
    expect(() => unspoolPackage(spool, -1)).toThrow(/package number/);
    spoolPackage(spool, 6, withFiles(crypto.randomBytes(LARGE)));
    const whole = fs.readFileSync(path.join(spool, "6.bin"));
    fs.writeFileSync(path.join(spool, "6.bin"), whole.subarray(0, whole.byteLength - 1));
    expect(() => unspoolPackage(spool, 6)).toThrow(/outside/);
    fs.writeFileSync(path.join(spool, "7.bin"), whole.subarray(0, 20));
    expect(() => unspoolPackage(spool, 7)).toThrow(/cut short/);
  });
});

describe("spool folders", () => {
  it("are removed by the first run of the next platform process when the one that made them is gone", () => {
    // A process id that cannot be alive (above the kernel's pid_max).
    const stale = path.join(os.tmpdir(), "intake-spool-99999999-test");
    fs.mkdirSync(stale, { recursive: true });
    fs.writeFileSync(path.join(stale, "3.bin"), "left behind");
    // A platform process of its own: this one has swept already, at its first run above.
    const script =
      `const { makeSpoolFolder } = await import(${JSON.stringify(path.join(PROJECT_ROOT, "dist/src/platform/runner/spool.js"))}); ` +
      `console.log(JSON.stringify({ pid: process.pid, folder: makeSpoolFolder() }));`;
    const { pid, folder: mine } = JSON.parse(
      execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }),
    ) as { pid: number; folder: string };
    made.push(mine);
    expect(path.basename(mine).startsWith(`intake-spool-${pid}-`)).toBe(true);
    expect(fs.existsSync(stale)).toBe(false);
    expect(fs.existsSync(mine)).toBe(true);
  });
});
