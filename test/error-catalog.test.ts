// The error catalog: every code answers its declared status through the server's real error handler, no
// platform code is left undeclared, only true faults are 5xx, and docs/errors.md lists exactly the declared codes.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectorError } from "../src/sdk/errors.js";
import { createError, declaredErrors, errorTable, type IntakeError, RunInProgress } from "../src/platform/errors.js";
import { IdeCheckError } from "../src/platform/ide/index.js";
import { openStore, type Store } from "../src/platform/store/index.js";
import { buildServer } from "../src/server/app.js";

const ROOT = path.join(import.meta.dirname, "..");

/** Codes whose 5xx is honest: the platform's own faults (500)… */
const PLATFORM_FAULTS = [
  "DB_MIGRATE",
  "DB_OPEN",
  "INGEST_FAILED",
  "INTERNAL",
  "RUN_FAILED",
  "RUN_SPAWN",
  "SECRET_KEY",
  "SERVE_LISTEN",
  "OUTBOX_INTERRUPTED",
  "HEALTH_LISTEN",
];
/** …the platform unable to serve for now (503): its database stopped, or a schema not this build's. */
const UNAVAILABLE = [
  "DB_UNREACHABLE",
  "SCHEMA_BEHIND",
  "SCHEMA_NEWER",
  "QUEUE_START",
  "QUEUE_NO_WORKER",
  "QUEUE_RUN_LOST",
  "SANDBOX_UNAVAILABLE",
];
/** …and failures of a connector or of what it reads, upstream of the platform (502, 504 for a timeout). */
const UPSTREAM_FAULTS = [
  "ALERT_INVALID",
  "CONNECTOR_FAILED",
  "CONNECTOR_INVALID",
  "CONNECTOR_NO_PING",
  "CONNECTOR_NO_WATCH",
  "DEPENDENCY_INSTALL",
  "RUN_CRASHED",
  "RUN_OUT_OF_MEMORY",
  "RUN_SPOOL_TOO_LARGE",
  "RUN_TIMEOUT",
  "ERR_ACCESS_DENIED",
  "SCRIPT_FAILED",
  "SCRIPT_INVALID",
  "SCRIPT_OUT_OF_MEMORY",
  "SCRIPT_OUTPUT_TOO_LARGE",
  "SCRIPT_TIMEOUT",
  "ACTION_FAILED",
  "JOB_FAILED",
  "FEED_REFRESH",
  "SMTP_FAILED",
];

/** The message a template gives with these values. */
const filled = (template: string, values: string[]) =>
  template
    .split("%s")
    .map((piece, i) => (i ? values[i - 1] + piece : piece))
    .join("");
const valuesFor = (template: string) => Array.from({ length: template.split("%s").length - 1 }, (_, i) => `value-${i + 1}`);

let dir: string;
let store: Store;
let app: FastifyInstance;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "intake-errors-"));
  process.env.INTAKE_HOME = dir;
  store = await openStore(path.join(dir, "intake.db"));
  app = await buildServer({ store, webDir: path.join(dir, "no-web") });
  const byCode = new Map(declaredErrors().map((declared) => [declared.code, declared]));
  // Routes that raise what a route of the platform could raise; the handler under test is the server's own.
  app.get<{ Params: { code: string } }>("/raise/:code", async (request) => {
    const Declared = byCode.get(request.params.code)! as unknown as new (...values: unknown[]) => IntakeError;
    throw new Declared(...valuesFor(byCode.get(request.params.code)!.template));
  });
  app.get("/raise-unexpected", async () => {
    throw new Error("secret detail of a bug");
  });
  app.get("/raise-connector", async () => {
    throw new ConnectorError("FEED_DOWN", "the feed answered 503");
  });
  app.get("/raise-check", async () => {
    throw new IdeCheckError(
      [{ file: "connectors/x.ts", line: 3, column: 7, message: "';' expected" }],
      "connectors/x.ts(3,7): ';' expected",
    );
  });
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  delete process.env.INTAKE_HOME;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("the HTTP error handler", () => {
  it("answers every declared code with its declared status, its code and its message", async () => {
    const declared = declaredErrors();
    expect(declared.length).toBeGreaterThan(50);
    for (const { code, status, template } of declared) {
      const response = await app.inject({ method: "GET", url: `/raise/${code}` });
      expect([response.statusCode, response.json().error], code).toEqual([
        status,
        { code, message: filled(template, valuesFor(template)) },
      ]);
    }
  });

  it("answers fastify's own errors with codes of the catalog", async () => {
    const validation = await app.inject({ method: "POST", url: "/api/login", payload: { username: "ada" } });
    expect([validation.statusCode, validation.json().error.code]).toEqual([400, "VALIDATION"]);
    expect(validation.json().error.message).toContain("password");
    const route = await app.inject({ method: "DELETE", url: "/api/no-such-thing?token=abc" });
    expect([route.statusCode, route.json().error]).toEqual([
      404,
      { code: "NOT_FOUND", message: "no such route: DELETE /api/no-such-thing" },
    ]);
    const json = await app.inject({ method: "POST", url: "/api/login", headers: { "content-type": "application/json" }, payload: "{" });
    expect([json.statusCode, json.json().error.code]).toEqual([400, "BAD_REQUEST"]);
    const large = await app.inject({
      method: "POST",
      url: "/api/login",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ username: "x".repeat(2 * 1024 * 1024) }),
    });
    expect([large.statusCode, large.json().error.code]).toEqual([413, "BODY_TOO_LARGE"]);
  });

  it("hides an unexpected error's message behind INTERNAL, and answers a connector's own code as its gateway", async () => {
    const unexpected = await app.inject({ method: "GET", url: "/raise-unexpected" });
    expect([unexpected.statusCode, unexpected.json().error]).toEqual([
      500,
      { code: "INTERNAL", message: "internal error (see the server's log)" },
    ]);
    const connector = await app.inject({ method: "GET", url: "/raise-connector" });
    expect([connector.statusCode, connector.json().error]).toEqual([502, { code: "FEED_DOWN", message: "the feed answered 503" }]);
  });

  it("adds a failed IDE check's diagnostics to the answer", async () => {
    const check = await app.inject({ method: "GET", url: "/raise-check" });
    expect(check.statusCode).toBe(422);
    expect(check.json()).toEqual({
      error: { code: "IDE_CHECK", message: "connectors/x.ts(3,7): ';' expected" },
      diagnostics: [{ file: "connectors/x.ts", line: 3, column: 7, message: "';' expected" }],
    });
  });
});

describe("the catalog", () => {
  it("answers 5xx only for the platform's faults and a connector's, each listed here", () => {
    const faults = declaredErrors().filter((declared) => declared.status >= 500);
    expect(faults.map((declared) => declared.code).sort()).toEqual([...PLATFORM_FAULTS, ...UNAVAILABLE, ...UPSTREAM_FAULTS].sort());
    for (const { code, status } of faults) {
      expect([code, status]).toEqual([
        code,
        PLATFORM_FAULTS.includes(code) ? 500 : UNAVAILABLE.includes(code) ? 503 : code === "RUN_TIMEOUT" ? 504 : 502,
      ]);
    }
  });

  it("fills the template's values in order, never inside a value, and keeps a cause", () => {
    const cause = new Error("EADDRINUSE");
    const error = new RunInProgress("mail %s", "host pid 7", { cause });
    expect([error.code, error.status, error.message, error.cause]).toEqual([
      "RUN_IN_PROGRESS",
      409,
      `connector "mail %s" is already running (host pid 7)`,
      cause,
    ]);
    expect(error.toLine()).toBe(`RUN_IN_PROGRESS: connector "mail %s" is already running (host pid 7)`);
    // @ts-expect-error: the template has two values
    expect(new RunInProgress("only one").message).toBe(`connector "only one" is already running (undefined)`);
  });

  it("refuses a code declared twice, or a status that is not an HTTP error", () => {
    expect(() => createError("RUN_IN_PROGRESS", "again", 409, "twice")).toThrow("error code RUN_IN_PROGRESS is declared twice");
    expect(() => createError("TEST_OK", "fine", 200, "not an error")).toThrow("status 200 is not an HTTP error status");
  });
});

/** Every .ts file of a folder, node_modules left out. */
function sources(folder: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts") && !file.split(path.sep).includes("node_modules"))
    .map((file) => path.join(folder, file));
}

/** Where a source constructs an error with a code written in place instead of a declared class. */
const UNDECLARED = [
  /new (?:IntakeError|ConnectorError)\(\s*["'`]/g, // a free-form code (only a connector's ConnectorError may, see below)
  /super\(\s*["'`][A-Z][A-Z0-9_]*["'`]/g, // a subclass with its own code
  /\bcode:\s*["'`][A-Z][A-Z0-9_]*["'`]/g, // an error record or Object.assign(new Error(), { code })
  /\bcreateError\(/g, // a declaration outside the catalog
];

function findUndeclared(file: string, text: string): string[] {
  const found: string[] = [];
  const connectorCode = file.startsWith("integrations");
  const catalog = file === path.join("src", "sdk", "errors.ts") || file === path.join("src", "platform", "errors.ts");
  for (const pattern of UNDECLARED) {
    for (const match of text.matchAll(pattern)) {
      if (catalog && pattern.source.startsWith("\\bcreateError")) continue;
      if (connectorCode && match[0].startsWith("new ConnectorError")) continue;
      found.push(`${file}:${text.slice(0, match.index).split("\n").length}: ${text.slice(match.index, match.index + 60).split("\n")[0]}`);
    }
  }
  return found;
}

describe("the platform's sources", () => {
  const files = [...sources("src"), ...sources("integrations")];

  it("construct every error from a declared class (a connector's own ConnectorError codes aside)", () => {
    expect(files.length).toBeGreaterThan(80);
    expect(files).toContain(path.join("src", "server", "app.ts"));
    // The scan itself finds what it looks for.
    expect(
      findUndeclared(path.join("src", "x.ts"), `throw new IntakeError("CASE_GONE", "x");\nreturn { code: "RUN_LOST", message };`),
    ).toHaveLength(2);
    const undeclared = files.flatMap((file) => findUndeclared(file, fs.readFileSync(path.join(ROOT, file), "utf8")));
    expect(undeclared).toEqual([]);
  });

  it("give a connector's own codes names the platform does not declare", () => {
    const declared = new Set(declaredErrors().map((d) => d.code));
    const connectorCodes = files
      .filter((file) => file.startsWith("integrations"))
      .flatMap((file) =>
        [...fs.readFileSync(path.join(ROOT, file), "utf8").matchAll(/new ConnectorError\(\s*["'`]([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!),
      );
    expect(connectorCodes).toContain("IMAP_AUTH");
    expect(connectorCodes.filter((code) => declared.has(code))).toEqual([]);
  });
});

describe("docs/errors.md", () => {
  it("lists exactly the declared codes, with their statuses (regenerate: npx tsc -p tsconfig.json && node scripts/error-table.mjs)", () => {
    const readme = fs.readFileSync(path.join(ROOT, "docs", "errors.md"), "utf8");
    const table = readme.split("<!-- error codes: start -->\n")[1]?.split("\n<!-- error codes: end -->")[0];
    expect(table).toBe(errorTable());
    const listed = [...table!.matchAll(/^\| `([A-Z0-9_]+)` \| (\d{3}) \|/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
    expect(listed).toEqual(
      declaredErrors()
        .map((d) => `${d.code} ${d.status}`)
        .sort(),
    );
  });
});
