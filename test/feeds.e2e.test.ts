// Threat-intel feeds through the contract commands (intake feeds add|refresh|list): every format read by the
// Threat Intel Feeds job in its sandboxed process, lookups as analysts mean them, indicators that expire
// when a feed drops them, and a broken file that leaves the previous indicators in place. SQLite and PostgreSQL.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeWorkspace, PROJECT_ROOT, type Workspace } from "./support/cli.js";
import { createConnector } from "./support/email-workspace.js";
import { startConsole } from "./support/console.js";
import { startPostgres, type Postgres } from "./support/postgres.js";
import { openStore } from "../src/platform/store/index.js";
import { intelServices } from "../src/platform/intel/index.js";
import type { IndicatorMatch } from "../src/sdk/intel.js";

const FEEDS = path.join(PROJECT_ROOT, "test/fixtures/feeds");
/** A feed's source is a file parameter of its job: under INTAKE_FILE_ROOTS (the fixtures, and the workspaces' files). */
const FILE_ROOTS = { INTAKE_FILE_ROOTS: `${FEEDS}:${os.tmpdir()}` };
const FORMATS: [string, string, string][] = [
  ["urlhaus", "urlhaus", "urlhaus.csv"],
  ["phishtank-json", "phishtank", "phishtank.json"],
  ["phishtank-csv", "phishtank", "phishtank.csv"],
  ["openphish", "openphish", "openphish.txt"],
  ["misp", "misp", "misp"],
  ["stix", "stix", "stix.json"],
];

async function lookup(db: string, items: { entityType: string; identifier: string }[]): Promise<IndicatorMatch[]> {
  const store = await openStore(db);
  try {
    return (await intelServices(store)["intel.lookup"]!({ items })) as IndicatorMatch[];
  } finally {
    await store.close();
  }
}

async function addAll(ws: Workspace): Promise<void> {
  for (const [name, format, file] of FORMATS) {
    const added = await ws.intake(["feeds", "add", name, "--format", format, "--source", path.join(FEEDS, file)]);
    expect(added.code, added.stderr).toBe(0);
  }
}

describe("intake feeds on SQLite", () => {
  const ws = makeWorkspace(FILE_ROOTS);

  it("reads every format and lists the feeds", async () => {
    await addAll(ws);
    const refreshed = await ws.intake(["feeds", "refresh", "--json"]);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(ws.lastJson(refreshed)).toEqual({
      feeds: [
        { name: "misp", indicators: 4 },
        { name: "openphish", indicators: 2 },
        { name: "phishtank-csv", indicators: 2 },
        { name: "phishtank-json", indicators: 2 },
        { name: "stix", indicators: 4 },
        { name: "urlhaus", indicators: 3 },
      ],
    });
    const listed = ws.lastJson(await ws.intake(["feeds", "list", "--json"])) as { feeds: Record<string, unknown>[] };
    expect(listed.feeds.find((feed) => feed.name === "urlhaus")).toMatchObject({
      format: "urlhaus",
      source: path.join(FEEDS, "urlhaus.csv"),
      reliability: "C",
      indicators: 3,
      error: null,
    });
    expect(typeof listed.feeds[0]!.refreshed_at).toBe("number");
    // A feed's reliability, changed without a new source (any case accepted, kept upper case).
    const set = await ws.intake(["feeds", "set", "stix", "--reliability", "a"]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('feed "stix": reliability A');
    const after = ws.lastJson(await ws.intake(["feeds", "list", "--json"])) as { feeds: Record<string, unknown>[] };
    expect(Object.fromEntries(after.feeds.map((feed) => [feed.name, feed.reliability]))).toEqual({
      misp: "C",
      openphish: "C",
      "phishtank-csv": "C",
      "phishtank-json": "C",
      stix: "A",
      urlhaus: "C",
    });
  }, 120_000);

  it("matches URLs, domains, addresses and hashes the way analysts mean", async () => {
    const matches = await lookup(ws.db, [
      { entityType: "URL", identifier: "http://evil.test/login" },
      { entityType: "URL", identifier: "https://phish.example.test/a~b?x=1" },
      { entityType: "DOMAIN", identifier: "mail.login.misp-evil.test" },
      { entityType: "URL", identifier: "https://stix-evil.test/anything" },
      { entityType: "EMAIL_ADDRESS", identifier: "ceo@misp-evil.test" },
      { entityType: "IP", identifier: "192.0.2.77" },
      { entityType: "FILE", identifier: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
      { entityType: "URL", identifier: "http://clean.test/login" },
      { entityType: "DOMAIN", identifier: "evil.test" },
    ]);
    const summary = matches.map((m) => [m.identifier, m.feed, m.kind, m.matchedBy, m.indicator]);
    expect(summary).toEqual([
      ["http://evil.test/login", "urlhaus", "url", "url", "http://Evil.TEST:80/login/"],
      ["https://phish.example.test/a~b?x=1", "urlhaus", "url", "url", "https://phish.example.test/a%7Eb?x=1"],
      ["mail.login.misp-evil.test", "misp", "domain", "registered-domain", "misp-evil.test"],
      ["https://stix-evil.test/anything", "stix", "domain", "domain", "stix-evil.test"],
      ["ceo@misp-evil.test", "misp", "domain", "domain", "misp-evil.test"],
      ["192.0.2.77", "stix", "ip", "exact", "192.0.2.77"],
      [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "misp",
        "sha256",
        "exact",
        "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
      ],
    ]);
    expect(matches[0]).toMatchObject({ format: "urlhaus", threat: "malware_download", reliability: "C" });
    expect(matches.filter((m) => m.feed === "stix").map((m) => m.reliability)).toEqual(["A", "A"]);
    await expect(
      lookup(
        ws.db,
        Array.from({ length: 2001 }, () => ({ entityType: "URL", identifier: "http://a.test/" })),
      ),
    ).rejects.toThrow("intel.lookup: items");
  }, 60_000);

  it("keeps first_seen of indicators still listed, expires dropped ones, and keeps them all when a file is broken", async () => {
    const before = await lookup(ws.db, [{ entityType: "URL", identifier: "http://evil.test/login" }]);
    const copy = path.join(ws.dir, "urlhaus.csv");
    const lines = fs.readFileSync(path.join(FEEDS, "urlhaus.csv"), "utf8").split("\n");
    // The second entry dropped, a new one added.
    fs.writeFileSync(
      copy,
      [
        ...lines.filter((line) => !line.startsWith('"3002"')),
        '"3009","2026-12-02 10:00:00","http://new-evil.test/x","online","","phishing","","https://urlhaus.abuse.ch/url/3009/","tester"',
      ].join("\n"),
    );
    expect((await ws.intake(["feeds", "add", "urlhaus", "--format", "urlhaus", "--source", copy])).code).toBe(0);
    const refreshed = await ws.intake(["feeds", "refresh", "urlhaus", "--json"]);
    expect(ws.lastJson(refreshed)).toEqual({ feeds: [{ name: "urlhaus", indicators: 3 }] });
    const after = await lookup(ws.db, [
      { entityType: "URL", identifier: "http://evil.test/login" },
      { entityType: "URL", identifier: "https://phish.example.test/a~b?x=1" },
      { entityType: "URL", identifier: "http://new-evil.test/x" },
    ]);
    expect(after.map((m) => m.identifier)).toEqual(["http://evil.test/login", "http://new-evil.test/x"]);
    expect(after[0]!.firstSeen).toBe(before[0]!.firstSeen);
    expect(after[0]!.lastSeen).toBeGreaterThan(before[0]!.lastSeen);

    fs.copyFileSync(path.join(FEEDS, "urlhaus-broken.csv"), copy);
    const broken = await ws.intake(["feeds", "refresh", "urlhaus", "--json"]);
    expect(broken.code).not.toBe(0);
    expect(broken.stderr.trim().split("\n")).toEqual([
      'FEED_REFRESH: feed "urlhaus" not refreshed, its previous indicators kept: line 3: 4 fields, the header names 9',
    ]);
    const listed = ws.lastJson(await ws.intake(["feeds", "list", "--json"])) as { feeds: Record<string, unknown>[] };
    expect(listed.feeds.find((feed) => feed.name === "urlhaus")).toMatchObject({
      indicators: 3,
      error: "line 3: 4 fields, the header names 9",
    });
    expect((await lookup(ws.db, [{ entityType: "URL", identifier: "http://new-evil.test/x" }])).length).toBe(1);
  }, 120_000);

  it("answers an action's lookupIndicators from its sandboxed process", async () => {
    const feed = path.join(ws.dir, "c2.txt");
    fs.writeFileSync(feed, "HTTP://TOOLS.EXAMPLE.ORG/mimi.zip\n");
    for (const args of [
      ["feeds", "add", "c2", "--format", "openphish", "--source", feed],
      ["feeds", "refresh", "c2"],
      ["integration", "import", path.join(PROJECT_ROOT, "examples/csv-alerts")],
      ["integration", "import", path.join(PROJECT_ROOT, "test/fixtures/intel-tests")],
    ]) {
      const result = await ws.intake(args);
      expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(0);
    }
    const csv = path.join(ws.dir, "detections.csv");
    fs.copyFileSync(path.join(PROJECT_ROOT, "examples/csv-alerts/detections.csv"), csv);
    await createConnector(ws, "detections", "CSV Alerts", { "CSV File": csv });
    expect((await ws.intake(["connector", "run", "detections", "--json"])).code).toBe(0);
    const cases = (await ws.intake(["cases", "export", "--jsonl"])).stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { id: number; title: string });
    const dump = cases.find((c) => c.title === "Credential dump tool")!;
    const ran = await ws.intake(["action", "run", "Intel Tests", "Check Feeds", "--case", String(dump.id), "--json"]);
    expect(ran.code, ran.stderr).toBe(0);
    const outcome = ws.lastJson(ran) as { resultValue: boolean; json: { matches: IndicatorMatch[] } };
    expect(outcome.resultValue).toBe(true);
    expect(outcome.json.matches.map((m) => [m.entityType, m.feed, m.matchedBy, m.indicator])).toEqual([
      ["URL", "c2", "url", "HTTP://TOOLS.EXAMPLE.ORG/mimi.zip"],
    ]);
    const other = cases.find((c) => c.title === "Beacon to known C2")!;
    expect(
      ws.lastJson(await ws.intake(["action", "run", "Intel Tests", "Check Feeds", "--case", String(other.id), "--json"])),
    ).toMatchObject({ resultValue: false });
  }, 120_000);

  it("refuses a feed it cannot read, naming what is wrong", async () => {
    const missing = await ws.intake(["feeds", "add", "x", "--format", "urlhaus", "--source", path.join(ws.dir, "nope.csv")]);
    expect(missing.stderr).toContain(`FEED_INVALID: --source ${path.join(ws.dir, "nope.csv")}: no such file or folder`);
    const format = await ws.intake(["feeds", "add", "x", "--format", "csv", "--source", path.join(FEEDS, "urlhaus.csv")]);
    expect(format.stderr).toContain('FEED_INVALID: --format "csv": use one of urlhaus, phishtank, openphish, misp, stix');
    const http = await ws.intake(["feeds", "add", "x", "--format", "openphish", "--source", "http://feeds.test/list.txt"]);
    expect(http.stderr).toContain("only https URLs are read");
    const reliability = await ws.intake([
      "feeds",
      "add",
      "x",
      "--format",
      "urlhaus",
      "--source",
      path.join(FEEDS, "urlhaus.csv"),
      "--reliability",
      "G",
    ]);
    expect(reliability.stderr).toContain('FEED_INVALID: --reliability "G": use one of A, B, C, D, E, F');
    const set = await ws.intake(["feeds", "set", "urlhaus", "--reliability", "AA"]);
    expect(set.stderr).toContain('FEED_INVALID: --reliability "AA": use one of A, B, C, D, E, F');
    expect((await ws.intake(["feeds", "set", "nothing", "--reliability", "B"])).stderr.trim()).toBe('FEED_NOT_FOUND: no feed "nothing"');
    const unknown = await ws.intake(["feeds", "refresh", "nothing"]);
    expect(unknown.stderr.trim()).toBe('FEED_NOT_FOUND: no feed "nothing"');
  }, 60_000);
});

/** A large OpenPhish file in the workspace: its refresh takes seconds, long enough to try a second one meanwhile. */
function bigFeed(ws: Workspace, lines = 60_000): string {
  const file = path.join(ws.dir, "big.txt");
  fs.writeFileSync(file, Array.from({ length: lines }, (_, i) => `https://host-${i}.big-feed.test/p/${i}`).join("\n"));
  return file;
}

/** Resolves once the feed's refresh lease is taken (the first refresh has started), with its owner. */
async function leaseTaken(db: string, feed: string): Promise<string> {
  const store = await openStore(db);
  try {
    for (let tries = 0; tries < 600; tries++) {
      const row = await store.db.selectFrom("feeds").select("refresh_owner").where("name", "=", feed).executeTakeFirst();
      if (row?.refresh_owner) return row.refresh_owner;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`feed ${feed}: no refresh started`);
  } finally {
    await store.close();
  }
}

describe("one refresh per feed at a time", () => {
  it("tells a second intake feeds refresh of the same feed that one runs, in another process, and takes over from a \
holder that died", async () => {
    const ws = makeWorkspace();
    expect((await ws.intake(["feeds", "add", "big", "--format", "openphish", "--source", bigFeed(ws)])).code).toBe(0);
    const first = ws.spawnIntake(["feeds", "refresh", "big", "--json"]);
    let firstOutput = "";
    first.stdout!.on("data", (chunk: Buffer) => (firstOutput += chunk.toString()));
    const firstDone = new Promise<number | null>((resolve) => first.once("exit", (code) => resolve(code)));
    const owner = await leaseTaken(ws.db, "big");
    expect(owner.split(":")[1]).toBe(String(first.pid));
    const second = await ws.intake(["feeds", "refresh", "big"]);
    expect(second.code).toBe(1);
    expect(second.stderr.trim()).toBe(
      `FEED_REFRESH_RUNNING: feed "big" is being refreshed (${owner.split(":")[0]} pid ${first.pid}): this refresh was not started`,
    );
    expect(await firstDone).toBe(0);
    expect(ws.lastJson({ code: 0, signal: null, stdout: firstOutput, stderr: "" })).toEqual({
      feeds: [{ name: "big", indicators: 60_000 }],
    });

    // A holder killed mid-refresh leaves its lease behind: the next refresh sees its process gone and takes it.
    const killed = ws.spawnIntake(["feeds", "refresh", "big"]);
    const killedDone = new Promise((resolve) => killed.once("exit", resolve));
    await leaseTaken(ws.db, "big");
    killed.kill("SIGKILL");
    await killedDone;
    const after = await ws.intake(["feeds", "refresh", "big", "--json"]);
    expect(after.code, after.stderr).toBe(0);
    expect(ws.lastJson(after)).toEqual({ feeds: [{ name: "big", indicators: 60_000 }] });
  }, 300_000);

  it("answers nine of ten refreshes of one feed sent to intake serve at once 409 FEED_REFRESH_RUNNING, and starts only one", async () => {
    const ws = makeWorkspace();
    expect((await ws.intake(["users", "add", "ada", "--role", "admin"], { env: { INTAKE_PASSWORD: "admin-password-1" } })).code).toBe(0);
    expect((await ws.intake(["feeds", "add", "big", "--format", "openphish", "--source", bigFeed(ws, 20_000)])).code).toBe(0);
    const app = await startConsole(ws, ["--no-scheduler"]);
    try {
      const login = await fetch(`${app.base}/api/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "ada", password: "admin-password-1" }),
      });
      const cookie = login.headers
        .getSetCookie()
        .find((c) => c.startsWith("intake_session="))!
        .split(";")[0]!;
      const { csrfToken } = (await login.json()) as { csrfToken: string };
      const answers = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const answer = await fetch(`${app.base}/api/feeds/big/refresh`, {
            method: "POST",
            headers: { cookie, "x-csrf-token": csrfToken },
          });
          return {
            status: answer.status,
            body: (await answer.json()) as { indicators?: number; error?: { code: string; message: string } },
          };
        }),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([200, ...Array(9).fill(409)]);
      expect(answers.find((a) => a.status === 200)!.body.indicators).toBe(20_000);
      for (const refused of answers.filter((a) => a.status === 409)) expect(refused.body.error!.code).toBe("FEED_REFRESH_RUNNING");
      // One job run, not ten.
      const runs = JSON.parse((await ws.intake(["job", "runs", "--json"])).stdout) as { job: string }[];
      expect(runs.map((run) => run.job)).toEqual(["Refresh Feed"]);
    } finally {
      await app.stop();
    }
  }, 300_000);
});

describe("feed sources", () => {
  it("are read only under INTAKE_FILE_ROOTS (default: the data folder's files/ and the temporary folder) or from https, \
never the data folder's own, refused by name at add and at refresh", async () => {
    // No INTAKE_FILE_ROOTS: the data folder's files/ (the database's folder here) and the system's temporary folder.
    const ws = makeWorkspace({ INTAKE_FILE_ROOTS: "" });
    const files = path.join(ws.dir, "files");
    const roots = `INTAKE_FILE_ROOTS (${files}:${os.tmpdir()})`;
    const shadow = await ws.intake(["feeds", "add", "shadow", "--format", "openphish", "--source", "/etc/shadow"]);
    expect([shadow.code, shadow.stderr.trim()]).toEqual([
      1,
      `FEED_SOURCE: source /etc/shadow is not under ${roots}: put the feed's file there, or give an https URL`,
    ]);
    // The data folder's database and key are never a source, though they sit under the temporary folder here.
    expect(
      (await ws.intake(["feeds", "add", "db", "--format", "openphish", "--source", path.join(ws.dir, "intake.db")])).stderr.trim(),
    ).toBe(
      `FEED_SOURCE: source ${path.join(ws.dir, "intake.db")} is Intake's own key or database: ` +
        `a feed's file goes in the data folder's files/ or under INTAKE_FILE_ROOTS`,
    );
    const outside = path.join(ws.dir, "c2.txt");
    fs.writeFileSync(outside, "https://c2.test/x\n");
    // A feed file downloaded to the temporary folder is read.
    const downloads = fs.mkdtempSync(path.join(os.tmpdir(), "intake-feed-"));
    fs.writeFileSync(path.join(downloads, "openphish.txt"), "https://c3.test/x\n");
    expect((await ws.intake(["feeds", "add", "c3", "--format", "openphish", "--source", path.join(downloads, "openphish.txt")])).code).toBe(
      0,
    );
    fs.rmSync(downloads, { recursive: true, force: true });
    // A link inside the root that leads out of it: its name is inside, what it reads is not.
    fs.mkdirSync(files);
    fs.symlinkSync("/etc/passwd", path.join(files, "passwd.txt"));
    expect(
      (await ws.intake(["feeds", "add", "passwd", "--format", "openphish", "--source", path.join(files, "passwd.txt")])).stderr.trim(),
    ).toBe(`FEED_SOURCE: source ${path.join(files, "passwd.txt")} leads outside ${roots} through a link`);
    fs.mkdirSync(path.join(files, "misp"));
    fs.writeFileSync(path.join(files, "misp", "manifest.json"), "{}");
    fs.symlinkSync(path.join(ws.dir, "intake.db"), path.join(files, "misp", "5f0c3a2e-1b2c-4d3e-8f40-0123456789ab.json"));
    expect((await ws.intake(["feeds", "add", "misp", "--format", "misp", "--source", path.join(files, "misp")])).stderr.trim()).toBe(
      `FEED_SOURCE: source ${path.join(files, "misp")}: 5f0c3a2e-1b2c-4d3e-8f40-0123456789ab.json is Intake's own key or database`,
    );

    // Under the root it is read; a feed stored before the roots narrowed is refused at refresh, and the feed says why.
    const inside = path.join(files, "c2.txt");
    fs.copyFileSync(outside, inside);
    expect((await ws.intake(["feeds", "add", "c2", "--format", "openphish", "--source", inside])).code).toBe(0);
    expect((await ws.intake(["feeds", "refresh", "c2"])).code).toBe(0);
    const narrowed = await ws.intake(["feeds", "refresh", "c2"], { env: { INTAKE_FILE_ROOTS: path.join(ws.dir, "elsewhere") } });
    expect([narrowed.code, narrowed.stderr.trim()]).toEqual([
      1,
      `FEED_SOURCE: source ${inside} is not under INTAKE_FILE_ROOTS ` +
        `(${path.join(ws.dir, "elsewhere")}): put the feed's file there, or give an https URL`,
    ]);
    const listed = ws.lastJson(await ws.intake(["feeds", "list", "--json"])) as {
      feeds: { name: string; error: string | null; indicators: number }[];
    };
    expect(listed.feeds.find((feed) => feed.name === "c2")).toMatchObject({
      indicators: 1,
      error:
        `source ${inside} is not under INTAKE_FILE_ROOTS ` +
        `(${path.join(ws.dir, "elsewhere")}): put the feed's file there, or give an https URL`,
    });
  }, 120_000);

  it("never quotes a file's text in a refresh error: the line and what was expected", async () => {
    const ws = makeWorkspace({ INTAKE_FILE_ROOTS: "" });
    fs.mkdirSync(path.join(ws.dir, "files"));
    const secret = "root:$6$very-secret-hash$abcdef:19000:0:99999:7:::";
    const file = path.join(ws.dir, "files", "shadow-like.txt");
    fs.writeFileSync(file, `https://fine.test/\n${secret}\n`);
    const json = path.join(ws.dir, "files", "bundle.json");
    fs.writeFileSync(json, `{"type": "bundle", "objects": [\n${secret}]}`);
    expect((await ws.intake(["feeds", "add", "shadow", "--format", "openphish", "--source", file])).code).toBe(0);
    expect((await ws.intake(["feeds", "add", "bundle", "--format", "stix", "--source", json])).code).toBe(0);
    const refreshed = await ws.intake(["feeds", "refresh"]);
    expect(refreshed.code).toBe(1);
    expect(refreshed.stderr.trim()).toBe('FEED_REFRESH: feed "bundle" not refreshed, its previous indicators kept: file: expected JSON');
    const listed = ws.lastJson(await ws.intake(["feeds", "list", "--json"])) as { feeds: { name: string; error: string | null }[] };
    expect(listed.feeds.map((feed) => [feed.name, feed.error])).toEqual([
      ["bundle", "file: expected JSON"],
      ["shadow", "line 2: expected a url"],
    ]);
    expect(JSON.stringify(listed) + refreshed.stderr).not.toContain("secret");
  }, 120_000);
});

describe("intake serve", () => {
  it("refreshes a feed that is due on its own, and says so", async () => {
    const ws = makeWorkspace(FILE_ROOTS);
    expect((await ws.intake(["feeds", "add", "stix", "--format", "stix", "--source", path.join(FEEDS, "stix.json")])).code).toBe(0);
    const app = await startConsole(ws);
    try {
      await expect
        .poll(
          async () =>
            (ws.lastJson(await ws.intake(["feeds", "list", "--json"])) as { feeds: { indicators: number }[] }).feeds[0]!.indicators,
          { timeout: 60_000, interval: 1000 },
        )
        .toBe(4);
      await expect.poll(() => app.output(), { timeout: 10_000 }).toContain("feed stix: 4 indicators");
    } finally {
      await app.stop();
    }
  }, 120_000);
});

describe("intake feeds on PostgreSQL", () => {
  let postgres: Postgres | undefined;
  afterAll(() => postgres?.stop());

  it("refreshes, expires and looks up the same", async () => {
    postgres = await startPostgres();
    const url = postgres.createDatabase("feeds");
    const ws = makeWorkspace({ ...FILE_ROOTS, INTAKE_DB: url });
    await addAll(ws);
    const refreshed = await ws.intake(["feeds", "refresh", "--json"]);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect((ws.lastJson(refreshed) as { feeds: { indicators: number }[] }).feeds.map((feed) => feed.indicators)).toEqual([
      4, 2, 2, 2, 4, 3,
    ]);
    const again = await ws.intake(["feeds", "refresh", "stix", "--json"]);
    expect(ws.lastJson(again)).toEqual({ feeds: [{ name: "stix", indicators: 4 }] });
    const matches = await lookup(url, [
      { entityType: "DOMAIN", identifier: "a.stix-evil.test" },
      { entityType: "URL", identifier: "HTTP://EVIL.TEST/login/" },
    ]);
    expect(matches.map((m) => [m.feed, m.matchedBy])).toEqual([
      ["stix", "registered-domain"],
      ["urlhaus", "url"],
    ]);
  }, 180_000);
});
