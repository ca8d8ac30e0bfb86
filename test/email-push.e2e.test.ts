// Test connection (Ping) and push (IMAP IDLE) against a real Dovecot, restarted mid-IDLE.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendMessages, startDovecot, type Dovecot } from "./support/dovecot.js";
import type { Workspace } from "./support/cli.js";
import { createEmailConnector, emailWorkspace } from "./support/email-workspace.js";
import { countRows, waitFor } from "./support/wait.js";

const alertCount = (file: string) => countRows(file, "select count(*) as n from alerts");
import { makeReport } from "./support/messages.js";

let server: Dovecot;
beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});

async function create(ws: Workspace, name: string, params: Record<string, unknown>) {
  await createEmailConnector(ws, server, name, params);
}

describe("test connection", () => {
  it("checks server, TLS, credentials and folders without fetching anything", async () => {
    await appendMessages(server, [makeReport(1).raw]);
    const ws = emailWorkspace(server);
    await create(ws, "ok", { "Folder to check for emails": "INBOX" });
    const ok = await ws.intake(["connector", "ping", "ok"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/ping ok: ok/);
    expect(ok.stderr).toMatch(/ok: analyst@example\.test at localhost:\d+, folder INBOX \(\d+ unread\)/);
    expect(alertCount(ws.db)).toBe(0);

    await create(ws, "bad", { Password: "nope-9" });
    const bad = await ws.intake(["connector", "ping", "bad"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split("\n").pop()).toMatch(/^IMAP_AUTH: login refused/);

    await create(ws, "nofolder", { "Folder to check for emails": "INBOX, Missing" });
    const missing = await ws.intake(["connector", "ping", "nofolder"]);
    expect(missing.stderr.trim().split("\n").pop()).toMatch(/^IMAP_FOLDER: folder "Missing" does not exist/);
  });
});

describe("push on new mail", () => {
  // How fast (the 2 s target) is measured by `npm run bench -- --push 200`, not here: this test shows
  // that push, not the 10-minute interval, brings the report in, and that it survives a restart.
  it("ingests a report on its arrival through IDLE, and survives a server restart mid-IDLE", async () => {
    const ws = emailWorkspace(server);
    // A long interval: only push can make the case appear in time.
    await create(ws, "push", { "Push On New Mail": true });
    const watcher = ws.spawnIntake(["connector", "watch", "push", "--interval", "600"]);
    let stderr = "";
    watcher.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await waitFor(() => /push: waiting for new mail/.test(stderr), 20_000);
      const before = alertCount(ws.db);
      await appendMessages(server, [makeReport(100).raw]);
      await waitFor(() => alertCount(ws.db) > before, 60_000);

      await server.restart();
      const seen = stderr.length;
      // The watch reconnects with backoff and waits in IDLE again.
      await waitFor(() => /push: waiting for new mail/.test(stderr.slice(seen)), 30_000);
      await appendMessages(server, [makeReport(101).raw]);
      await waitFor(() => alertCount(ws.db) > before + 1, 60_000);
      expect(watcher.exitCode).toBeNull();
    } finally {
      const closed = new Promise((resolve) => watcher.once("close", resolve));
      watcher.kill("SIGTERM");
      await closed;
    }
    expect(watcher.exitCode).toBe(0);
  });
});
