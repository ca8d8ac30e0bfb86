// The rooms of the project import inward only (sdk ← platform ← server, cli ← bench, test), and the outer rooms
// that answer people (server/, cli/) hold no SQL: their reads are the platform's `<area>/queries.ts`.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const INNER = ["src/indicators", "src/sdk", "src/platform", "src/server", "src/cli", "integrations", "examples", "web", "bench"] as const;
/** The tests and the scripts stand outside every room and may import any. */
const OUTER = ["test", "bin", "scripts"] as const;
type Room = (typeof INNER)[number] | (typeof OUTER)[number];

/**
 * What each room may import besides itself. An integration (and an example package) sees only the SDK, by its
 * public name, as a user's does. The bench measures the platform, so it calls what the routes call, never a route.
 */
const MAY_IMPORT: Record<(typeof INNER)[number], readonly Room[]> = {
  "src/indicators": [],
  "src/sdk": ["src/indicators"],
  "src/platform": ["src/sdk", "src/indicators"],
  // `intake serve` composes the server: the CLI may import it, never the other way round.
  "src/server": ["src/platform", "src/sdk", "src/indicators"],
  "src/cli": ["src/server", "src/platform", "src/sdk", "src/indicators"],
  integrations: ["src/sdk"],
  examples: ["src/sdk"],
  // The console shares the SDK's and the platform's vocabulary and may derive its API types from the routes' schemas.
  web: ["src/server", "src/platform", "src/sdk", "src/indicators"],
  bench: ["src/platform", "src/sdk", "src/indicators", "integrations", "test"],
};

const SOURCE = /\.(ts|tsx|mts|js|mjs)$/;
const SKIPPED = new Set(["node_modules", "dist", "fixtures"]);

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED.has(entry.name) || entry.name.startsWith(".")) return [];
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return SOURCE.test(entry.name) && !entry.name.endsWith(".d.ts") ? [file] : [];
  });
}

/** The room of a file of the project (dist/ stands for the source it was built from); undefined outside every room. */
function roomOf(file: string): Room | undefined {
  const parts = path.relative(ROOT, file).split(path.sep);
  if (parts[0] === "dist") parts.shift();
  const room = parts[0] === "src" ? `src/${parts[1]}` : parts[0];
  return [...INNER, ...OUTER].find((known) => known === room);
}

/** Every module specifier a file imports or re-exports, dynamic imports included (TypeScript's own scanner). */
function specifiersOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((file) => file.fileName);
}

/** The file a specifier names inside the project, or undefined for a package. */
function target(from: string, specifier: string): string | undefined {
  if (specifier === "intake/sdk") return path.join(ROOT, "src/sdk/index.ts");
  return specifier.startsWith(".") ? path.resolve(path.dirname(from), specifier) : undefined;
}

/** "file imports specifier (room → room)" for each import that points outward, or into a room not allowed. */
function arrowsBackUp(files: string[], read: (file: string) => string = (file) => fs.readFileSync(file, "utf8")): string[] {
  return files.flatMap((file) => {
    const from = roomOf(file);
    if (!from) return [`${path.relative(ROOT, file)}: in no room (add its folder to import-rooms.test.ts)`];
    const allowed = (MAY_IMPORT as Partial<Record<Room, readonly Room[]>>)[from];
    if (!allowed) return [];
    return specifiersOf(read(file)).flatMap((specifier) => {
      const resolved = target(file, specifier);
      if (!resolved) return [];
      const to = roomOf(resolved);
      if (to === from || (to && allowed.includes(to))) return [];
      return [`${path.relative(ROOT, file)} imports ${specifier} (${from} → ${to ?? "outside"})`];
    });
  });
}

/** What marks a line as SQL or as a handle on the database's driver: a query builder's statement, a raw statement. */
const SQL_MARKS: [string, RegExp][] = [
  ["a Kysely statement", /\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto|selectNoFrom)\s*\(/],
  ["a transaction", /\.transaction\s*\(\s*\)/],
  ["raw SQL", /\bsql\s*(<[^>]*>)?\s*`|\bsql\.(raw|lit|ref|id|join|table)\s*\(/],
  // exec with a string: a driver's statement (a RegExp's exec takes the text searched).
  ["a prepared statement", /\.prepare\s*\(|\.exec\s*\(\s*["'`]/],
  // SQL written all in lower case or all in capitals (a sentence starts with a capital: "Select a case from…").
  ["SQL text", /["'`]\s*(select\s[^"'`]*\sfrom|insert\s+into|update\s+\w+\s+set|delete\s+from|create\s+(table|index)|pragma)\b/],
  ["SQL text", /["'`]\s*(SELECT\s[^"'`]*\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX)|PRAGMA)\b/],
  ["a database driver or the query builder", /from\s+["'](kysely|better-sqlite3|pg|pg-boss)["']|store\/kysely\.js["']/],
];

/** "file:line: mark" for each line of server/ and cli/ that holds SQL. */
function sqlLines(files: string[], read: (file: string) => string = (file) => fs.readFileSync(file, "utf8")): string[] {
  return files.flatMap((file) =>
    read(file)
      .split("\n")
      .flatMap((line, index) => {
        const code = line.replace(/^\s*(\/\/|\*|\/\*).*$/, "");
        return SQL_MARKS.filter(([, mark]) => mark.test(code)).map(([what]) => `${path.relative(ROOT, file)}:${index + 1}: ${what}`);
      }),
  );
}

const ROOMS = [...INNER, ...OUTER].map((room) => path.join(ROOT, room));

describe("the import graph", () => {
  it("has no arrow from an inner room to an outer one", () => {
    const files = ROOMS.flatMap(sourceFiles);
    expect(files.length).toBeGreaterThan(300);
    expect(arrowsBackUp(files)).toEqual([]);
  });

  it("names a route imported by the bench, a platform importing the server and the SDK importing the platform", () => {
    const sources: Record<string, string> = {
      [path.join(ROOT, "bench/queue-page.mjs")]: 'import { listCases } from "../dist/src/server/routes/cases.js";',
      [path.join(ROOT, "src/platform/cases/queries.ts")]: 'export { MAX_PAGE } from "../../server/routes/cases.js";',
      [path.join(ROOT, "src/sdk/alert.ts")]: [
        'import type { Store } from "../platform/store/index.js";',
        'const later = () => import("../cli/index.js");',
      ].join("\n"),
      [path.join(ROOT, "integrations/email/connectors/mail.ts")]: [
        'import { ConnectorExecution } from "intake/sdk";',
        'import { x } from "../../../src/platform/errors.js";',
      ].join("\n"),
    };
    expect(arrowsBackUp(Object.keys(sources), (file) => sources[file]!)).toEqual([
      "bench/queue-page.mjs imports ../dist/src/server/routes/cases.js (bench → src/server)",
      "src/platform/cases/queries.ts imports ../../server/routes/cases.js (src/platform → src/server)",
      "src/sdk/alert.ts imports ../platform/store/index.js (src/sdk → src/platform)",
      "src/sdk/alert.ts imports ../cli/index.js (src/sdk → src/cli)",
      "integrations/email/connectors/mail.ts imports ../../../src/platform/errors.js (integrations → src/platform)",
    ]);
  });
});

describe("server/ and cli/", () => {
  it("hold no SQL: their reads and writes are the platform's", () => {
    const files = ["src/server", "src/cli"].flatMap((room) => sourceFiles(path.join(ROOT, room)));
    expect(files.length).toBeGreaterThan(20);
    expect(sqlLines(files)).toEqual([]);
  });

  it("name each kind of SQL, and not an HTTP method or a word in a description", () => {
    const file = path.join(ROOT, "src/server/routes/example.ts");
    const text = [
      'import { sql } from "../../platform/store/kysely.js";',
      'const rows = await store.db.selectFrom("cases").selectAll().execute();',
      "const day = sql<number>`(created_at / 86400000)`;",
      'const statement = raw.prepare("select count(*) as n from alerts");',
      'await raw.exec("DELETE FROM cases");',
      'const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);',
      "// select the cases from the queue (a comment)",
      'const summary = "Select a case from the queue; delete a playbook";',
      "const mapped = /^::ffff:(\\d+)$/i.exec(address);",
    ].join("\n");
    expect(sqlLines([file], () => text)).toEqual([
      "src/server/routes/example.ts:1: a database driver or the query builder",
      "src/server/routes/example.ts:2: a Kysely statement",
      "src/server/routes/example.ts:3: raw SQL",
      "src/server/routes/example.ts:4: a prepared statement",
      "src/server/routes/example.ts:4: SQL text",
      "src/server/routes/example.ts:5: a prepared statement",
      "src/server/routes/example.ts:5: SQL text",
    ]);
  });
});
