// The email connector end to end, through the contract commands, against a real Dovecot over TLS.
import fs from "node:fs";
import net from "node:net";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countUnread, deliverToMaildir, freePort, markAllUnread, startDovecot, withImap, type Dovecot } from "./support/dovecot.js";
import { makeWorkspace, type Workspace } from "./support/cli.js";
import { countRows, waitFor } from "./support/wait.js";
import { makeReport, makeReports } from "./support/messages.js";

let server: Dovecot;

beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});

function workspace(): Workspace {
  return makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile });
}

/** An exported alert as the tests read it: its events (the first always there) and notes. */
type ExportedAlert = { events: [Record<string, unknown>, ...Record<string, unknown>[]]; notes: string[] } & Record<string, unknown>;

async function exportAlerts(ws: Workspace) {
  const result = await ws.intake(["cases", "export", "--jsonl"]);
  expect(result.code, result.stderr).toBe(0);
  const cases = result.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { id: number; title: string; status: string; priority: number; alerts: ExportedAlert[] });
  return { cases, alerts: cases.flatMap((c) => c.alerts) };
}

async function emptyInbox(): Promise<void> {
  await withImap(server, async (client) => {
    await client.mailboxOpen("INBOX");
    await client.messageFlagsAdd("1:*", ["\\Deleted"]).catch(() => undefined);
    await client.messageDelete("1:*").catch(() => undefined);
  });
}

/** An inbox holding just these many new reports, unread. */
async function unreadReports(count: number) {
  await emptyInbox();
  const reports = makeReports(count);
  deliverToMaildir(
    server,
    reports.map((r) => r.raw),
  );
  return reports;
}

/** A workspace with the connector "mail" on the test's Dovecot (or these parameters). */
async function mailWorkspace(params: Record<string, unknown> = server.params()): Promise<Workspace> {
  const ws = workspace();
  await ws.intake(["connector", "create", "mail", "--integration", "email", "--params", ws.writeJson("p.json", params)]);
  return ws;
}

describe("email connector against Dovecot", () => {
  it("turns N unread messages into N cases with their own URLs; a test run changes nothing; a rerun ingests 0", async () => {
    await emptyInbox();
    const reports = makeReports(30);
    deliverToMaildir(
      server,
      reports.map((r) => r.raw),
    );
    const ws = workspace();
    const params = ws.writeJson("params.json", server.params());

    const created = await ws.intake(["connector", "create", "mail", "--integration", "email", "--params", params]);
    expect(created.code, created.stderr).toBe(0);

    const test = await ws.intake(["connector", "run", "mail", "--test", "--json"]);
    expect(test.code, test.stderr).toBe(0);
    expect(ws.lastJson(test)).toMatchObject({ fetched: 30, alerts: 30, ingested: 0 });
    expect(await countUnread(server)).toBe(30);
    expect((await exportAlerts(ws)).cases).toHaveLength(0);
    // The test run prints the package: the alerts with their events.
    const printed = JSON.parse(test.stdout.trim().split("\n")[0]!) as { display_id: string; events: unknown[] }[];
    expect(printed.map((a) => a.display_id).sort()).toEqual(reports.map((r) => r.messageId).sort());

    const run = await ws.intake(["connector", "run", "mail", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(ws.lastJson(run)).toMatchObject({ fetched: 30, alerts: 30, ingested: 30, duplicates: 0, failed: 0 });
    expect(await countUnread(server)).toBe(0);

    const { cases, alerts } = await exportAlerts(ws);
    expect(cases).toHaveLength(30);
    for (const item of cases) {
      expect(item).toMatchObject({ status: "open", priority: 60 });
      expect(item.alerts).toHaveLength(1);
    }
    for (const report of reports) {
      const alert = alerts.find((a) => a.display_id === report.messageId)!;
      expect(alert, report.messageId).toBeDefined();
      expect(alert).toMatchObject({
        ticket_id: report.messageId,
        name: report.subject,
        rule_generator: "Mail",
        device_vendor: "Mail",
        device_product: "Mail",
        priority: 60,
      });
      const event = alert.events[0];
      expect(event).toMatchObject({
        event_name: "Suspicious email",
        device_product: "Mail",
        Subject: report.subject,
        DestinationUserName: "analyst@example.test",
      });
      expect(event.found_urls).toEqual(report.urls);
      expect(event.found_url).toBe(report.urls.join(","));
      expect(event.StartTime).toBe(alert.start_time);
    }

    const rerun = await ws.intake(["connector", "run", "mail", "--json"]);
    expect(ws.lastJson(rerun)).toMatchObject({ fetched: 0, ingested: 0 });
    expect(rerun.stderr + rerun.stdout).not.toMatch(/error/i);
  });

  it("says so when the inbox has no unread mail", async () => {
    await emptyInbox();
    const ws = workspace();
    await ws.intake(["connector", "create", "mail", "--integration", "email", "--params", ws.writeJson("p.json", server.params())]);
    const run = await ws.intake(["connector", "run", "mail", "--json", "--verbose"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("The inbox for user analyst@example.test has no unread emails");
  });

  it("a message marked unread again after ingest is a duplicate, not a second case", async () => {
    await emptyInbox();
    deliverToMaildir(
      server,
      makeReports(5).map((r) => r.raw),
    );
    const ws = workspace();
    await ws.intake(["connector", "create", "mail", "--integration", "email", "--params", ws.writeJson("p.json", server.params())]);
    expect(ws.lastJson(await ws.intake(["connector", "run", "mail", "--json"]))).toMatchObject({ ingested: 5 });
    await markAllUnread(server);
    const again = ws.lastJson(await ws.intake(["connector", "run", "mail", "--json"]));
    // The UID checkpoint knows them: they are marked read again without a second fetch or case.
    expect(again).toMatchObject({ ingested: 0 });
    expect(await countUnread(server)).toBe(0);
    expect((await exportAlerts(ws)).cases).toHaveLength(5);
  });

  it("a malformed message becomes an alert with a note and does not stop the batch", async () => {
    await emptyInbox();
    const good = makeReports(3);
    const broken =
      'From: x@y.test\r\nSubject: broken\r\nContent-Type: multipart/mixed; boundary=""\r\n\r\n--\r\n\u0000\u0000 https://broken.test/z\r\n';
    deliverToMaildir(server, [good[0]!.raw, broken, good[1]!.raw, good[2]!.raw]);
    const ws = workspace();
    await ws.intake(["connector", "create", "mail", "--integration", "email", "--params", ws.writeJson("p.json", server.params())]);
    const run = await ws.intake(["connector", "run", "mail", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(ws.lastJson(run)).toMatchObject({ ingested: 4, failed: 0 });
    const { alerts } = await exportAlerts(ws);
    const brokenAlert = alerts.find((a) => a.name === "broken")!;
    expect(brokenAlert.display_id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(brokenAlert.notes.join(" ")).toMatch(/Message-ID/);
  });

  it("refuses a wrong password with IMAP_AUTH, never shows it, and records the failed run", async () => {
    const ws = workspace();
    await ws.intake([
      "connector",
      "create",
      "wrong",
      "--integration",
      "email",
      "--params",
      ws.writeJson("p.json", server.params({ Password: "Zq7-not-it" })),
    ]);
    const run = await ws.intake(["connector", "run", "wrong", "--json"]);
    expect(run.code).not.toBe(0);
    expect(run.stderr.trim().split("\n").pop()).toMatch(/^IMAP_AUTH: login refused for analyst@example\.test at localhost:\d+/);
    expect(run.stdout + run.stderr).not.toContain("Zq7-not-it");
    const runs = await ws.intake(["runs", "list"]);
    expect(runs.stdout).toMatch(/failed\s.*IMAP_AUTH/);
    expect(fs.readFileSync(ws.db).includes(Buffer.from("Zq7-not-it"))).toBe(false);
  });

  it("names the cause when the server is unreachable, its certificate is not trusted, or the folder is missing", async () => {
    const ws = workspace();
    await ws.intake([
      "connector",
      "create",
      "closed",
      "--integration",
      "email",
      "--params",
      ws.writeJson("a.json", server.params({ "IMAP Port": 1 })),
    ]);
    const closed = await ws.intake(["connector", "run", "closed"]);
    expect(closed.code).not.toBe(0);
    expect(closed.stderr).toMatch(/IMAP_CONNECT: cannot reach localhost:1: connection refused/);

    await ws.intake(["connector", "create", "mail", "--integration", "email", "--params", ws.writeJson("b.json", server.params())]);
    const untrusted = await ws.intake(["connector", "run", "mail"], { env: { NODE_EXTRA_CA_CERTS: "" } });
    expect(untrusted.code).not.toBe(0);
    expect(untrusted.stderr).toMatch(/IMAP_TLS: TLS with localhost:\d+ failed/);

    await ws.intake([
      "connector",
      "create",
      "nofolder",
      "--integration",
      "email",
      "--params",
      ws.writeJson("c.json", server.params({ "Folder to check for emails": "Reports" })),
    ]);
    const missing = await ws.intake(["connector", "run", "nofolder"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/IMAP_FOLDER: folder "Reports" does not exist/);
  });

  it("reads the folder named case-insensitively", async () => {
    await withImap(server, async (client) => {
      await client.mailboxCreate("Phish Reports").catch(() => undefined);
      await client.append("Phish Reports", makeReport(1).raw, []);
    });
    const ws = workspace();
    await ws.intake([
      "connector",
      "create",
      "folder",
      "--integration",
      "email",
      "--params",
      ws.writeJson("p.json", server.params({ "Folder to check for emails": "phish reports" })),
    ]);
    const run = await ws.intake(["connector", "run", "folder", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(ws.lastJson(run)).toMatchObject({ ingested: 1 });
  });

  it("refuses bad parameters naming each one", async () => {
    const ws = workspace();
    const bad = ws.writeJson("bad.json", {
      Username: "a@b.test",
      "IMAP Server Address": "localhost",
      "IMAP Port": "not a number",
      Colour: "blue",
    });
    const result = await ws.intake(["connector", "create", "broken", "--integration", "email", "--params", bad]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/PARAM_INVALID/);
    expect(result.stderr).toContain('missing required parameter "Password"');
    expect(result.stderr).toContain('unknown parameter "Colour"');
    expect(result.stderr).toContain('parameter "IMAP Port" must be an integer');
    expect((await ws.intake(["connector", "list"])).stdout).not.toContain("broken");
  });
});

describe("exactly once when the process is killed mid-run", () => {
  it("leaves every message ingested exactly once after SIGKILLs at random moments", async () => {
    const reports = await unreadReports(1200);
    const ws = await mailWorkspace();

    let kills = 0;
    const stored = () => countRows(ws.db, "select count(*) as n from alerts");
    for (let attempt = 0; attempt < 4; attempt++) {
      if ((await countUnread(server)) === 0) break;
      const before = stored();
      const child = ws.spawnIntake(["connector", "run", "mail", "--json"]);
      // Listen at once: a run that ends before the kill must not leave us waiting for a past event.
      const closed = new Promise((resolve) => child.once("close", resolve));
      // Wait until the run is under way (its row exists), then kill it at a random moment: before its
      // first commit (the first attempt), or once a random share of what is left is stored, a few ms
      // on, when the next batch's commit may be under way. Points in the run rather than times: a run
      // of 1,200 messages can end within a second, before a random delay would come.
      await waitFor(() => countRows(ws.db, "select count(*) as n from runs where status = 'running'") > 0 || child.exitCode !== null);
      const target = attempt === 0 ? before : before + Math.floor(Math.random() * 0.7 * (reports.length - before));
      await waitFor(() => stored() >= target || child.exitCode !== null, 30_000, 5);
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 40)));
      if (child.exitCode === null) {
        child.kill("SIGKILL");
        kills++;
      }
      await closed;
    }
    expect(kills).toBeGreaterThan(0);
    const final = await ws.intake(["connector", "run", "mail", "--json"]);
    expect(final.code, final.stderr).toBe(0);
    expect(await countUnread(server)).toBe(0);

    const { alerts } = await exportAlerts(ws);
    const ids = alerts.map((a) => a.display_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(reports.map((r) => r.messageId).sort());
    const runs = await ws.intake(["runs", "list", "--limit", "50"]);
    expect(runs.stdout).toMatch(/interrupted/);
  });
});

/** The Message-IDs of the messages marked read, seen from outside Intake. */
async function readMessageIds(): Promise<string[]> {
  return withImap(server, async (client) => {
    await client.mailboxOpen("INBOX");
    const ids: string[] = [];
    for await (const message of client.fetch("1:*", { flags: true, envelope: true })) {
      if (message.flags?.has("\\Seen")) ids.push(message.envelope!.messageId!.replace(/^<|>$/g, ""));
    }
    return ids.sort();
  });
}

/** The run's row as the platform recorded it. */
function lastRun(ws: Workspace): { status: string; error: string | null; logs: { level: string; message: string }[] } {
  const db = new Database(ws.db, { readonly: true });
  try {
    const row = db.prepare("select status, error, logs from runs where is_test = 0 order by id desc limit 1").get() as {
      status: string;
      error: string | null;
      logs: string;
    };
    return { ...row, logs: JSON.parse(row.logs) as { level: string; message: string }[] };
  } finally {
    db.close();
  }
}

/** After a failed run, one more: it completes with every message exactly once and none unread. */
async function expectCompleteRerun(ws: Workspace, reports: { messageId: string }[]): Promise<void> {
  const rerun = await ws.intake(["connector", "run", "mail", "--json"]);
  expect(rerun.code, rerun.stderr).toBe(0);
  expect(await countUnread(server)).toBe(0);
  const ids = (await exportAlerts(ws)).alerts.map((a) => a.display_id as string).sort();
  expect(ids).toEqual(reports.map((r) => r.messageId).sort());
}

/**
 * A TCP relay to Dovecot's IMAPS port that drops its first connection, both ways, once that many bytes
 * came from the server: the connection lost at a known point of a run (TLS passes through untouched).
 */
async function droppingRelay(cutAfterBytes: number): Promise<{ port: number; dropped: () => boolean; close: () => void }> {
  let connections = 0;
  let dropped = false;
  const relay = net.createServer((client) => {
    const first = connections++ === 0;
    const upstream = net.connect(server.port, "127.0.0.1");
    let bytes = 0;
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.pipe(upstream);
    upstream.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (first && bytes > cutAfterBytes) {
        dropped = true;
        client.destroy();
        upstream.destroy();
      } else {
        client.write(chunk);
      }
    });
    upstream.on("end", () => client.end());
  });
  const port = await freePort();
  await new Promise<void>((resolve) => relay.listen(port, "127.0.0.1", resolve));
  return { port, dropped: () => dropped, close: () => relay.close() };
}

describe("a failure in the middle of a run", () => {
  it("a package the platform cannot store fails the run with its reason in the log; exactly the stored messages are \
marked read", async () => {
    const reports = await unreadReports(1000);
    const ws = await mailWorkspace();
    // The store refuses the third package (past 400 alerts): its transaction fails, as a full disk would fail it.
    const db = new Database(ws.db);
    db.exec(
      "create trigger refuse_third_package before insert on alerts when (select count(*) from alerts) >= 400 " +
        "begin select raise(abort, 'the test refuses this package'); end",
    );
    db.close();

    const run = await ws.intake(["connector", "run", "mail", "--json"]);
    expect(run.code).not.toBe(0);
    const recorded = lastRun(ws);
    expect(recorded.status).toBe("failed");
    expect(recorded.error).toContain("the test refuses this package");
    expect(recorded.logs.some((entry) => entry.level === "error" && entry.message.includes("the test refuses this package"))).toBe(true);
    const stored = (await exportAlerts(ws)).alerts.map((a) => a.display_id as string).sort();
    expect(stored).toHaveLength(400);
    // The two stored batches are acknowledged although a later one failed; nothing else is.
    expect(await readMessageIds()).toEqual(stored);

    const writable = new Database(ws.db);
    writable.exec("drop trigger refuse_third_package");
    writable.close();
    await expectCompleteRerun(ws, reports);
  });

  // Cut within the first batch (nothing stored yet: only the fetch fails) and after two batches.
  it.each([
    { share: 0.1, storedAtLeast: 0, storedBelow: 1 },
    { share: 0.45, storedAtLeast: 200, storedBelow: 1000 },
  ])(
    "a connection lost at $share of the mailbox fails the run with the cause in the log; nothing not stored is marked read",
    async ({ share, storedAtLeast, storedBelow }) => {
      const reports = await unreadReports(1000);
      const total = reports.reduce((sum, r) => sum + Buffer.byteLength(r.raw), 0);
      const relay = await droppingRelay(Math.floor(total * share));
      try {
        const ws = await mailWorkspace(server.params({ "IMAP Port": relay.port }));
        const run = await ws.intake(["connector", "run", "mail", "--json"]);
        expect(relay.dropped()).toBe(true);
        expect(run.code).not.toBe(0);
        const recorded = lastRun(ws);
        expect(recorded.status).toBe("failed");
        expect(recorded.error).toMatch(/^IMAP_CONNECTION_LOST: the connection to localhost:\d+ was lost/);
        expect(recorded.logs.some((entry) => entry.level === "error" && entry.message.includes("IMAP_CONNECTION_LOST"))).toBe(true);
        // Batches fetched before the drop are stored; their acknowledgement was lost with the connection.
        const stored = new Set((await exportAlerts(ws)).alerts.map((a) => a.display_id as string));
        expect(stored.size).toBeGreaterThanOrEqual(storedAtLeast);
        expect(stored.size).toBeLessThan(storedBelow);
        for (const id of await readMessageIds()) expect(stored.has(id), id).toBe(true);
        await expectCompleteRerun(ws, reports);
      } finally {
        relay.close();
      }
    },
  );
});
