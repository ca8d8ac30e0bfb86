// The run lock on SQLite: who is a live holder (real processes: alive, gone, a zombie, a reused pid) and what a lease lets through.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseProcessStat, processIsGone, processStartTime } from "../../src/platform/runner/liveness.js";
import { acquireLease } from "../../src/platform/runner/lock.js";
import { openStore, type Store } from "../../src/platform/store/index.js";
import { waitFor } from "../support/wait.js";

const linux = fs.existsSync("/proc/self/stat");

function statOf(pid: number) {
  return parseProcessStat(fs.readFileSync(`/proc/${pid}/stat`, "utf8"))!;
}

/** A process whose child has exited and is never waited for: the child stays a zombie while it lives. */
async function withZombie<T>(work: (pid: number) => Promise<T>): Promise<T> {
  const parent = spawn("perl", ["-e", '$| = 1; my $child = fork; exit 0 if $child == 0; print "$child\\n"; sleep 60'], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const pid = await new Promise<number>((resolve, reject) => {
      parent.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      parent.once("error", reject);
    });
    await waitFor(() => statOf(pid).state === "Z", 5_000, 10);
    return await work(pid);
  } finally {
    parent.kill("SIGKILL");
  }
}

describe("parseProcessStat", () => {
  it("counts fields after the last parenthesis, whatever the command name holds", () => {
    const rest = Array.from({ length: 49 }, (_, i) => String(i + 4)); // fields 4 to 52
    rest[22 - 4] = "987654";
    const line = `4242 (evil) S 1 (name) Z ) ${["R", ...rest].join(" ")}\n`;
    expect(parseProcessStat(line)).toEqual({ state: "R", startTime: "987654" });
    expect(parseProcessStat("4242 no parenthesis S 1")).toBeUndefined();
    expect(parseProcessStat("4242 (short) S 1 2 3")).toBeUndefined();
  });
});

describe.runIf(linux)("processIsGone (Linux)", () => {
  it("a running process with its start time is alive", () => {
    expect(processStartTime()).toMatch(/^\d+$/);
    expect(processIsGone(process.pid, processStartTime())).toBe(false);
    // Without a recorded start time (owners written before), a live pid is alive.
    expect(processIsGone(process.pid)).toBe(false);
  });

  it("a pid that now belongs to a process started at another time is gone", () => {
    expect(processIsGone(process.pid, String(Number(processStartTime()) + 1))).toBe(true);
  });

  it("a process that exited and was reaped is gone", () => {
    const exited = spawnSync("true");
    expect(exited.status).toBe(0);
    expect(processIsGone(exited.pid!)).toBe(true);
  });

  it("a zombie nobody reaps is gone, although kill(pid, 0) still reaches it", async () => {
    await withZombie(async (pid) => {
      expect(() => process.kill(pid, 0)).not.toThrow();
      expect(processIsGone(pid, statOf(pid).startTime)).toBe(true);
    });
  });

  it("refuses what is not a process id", () => {
    expect(() => processIsGone(0)).toThrow(/not a process id/);
    expect(() => processIsGone(-5)).toThrow(/not a process id/);
  });
});

describe("the lease on SQLite", () => {
  let store: Store;
  let connector = 0;
  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "intake-lock-"));
    store = await openStore(path.join(dir, "intake.db"));
  });
  afterAll(async () => {
    await store?.close();
  });

  /** A lease row and a running run left by `owner`, as a holder that stopped mid-run leaves them. */
  async function leftBy(owner: string, expiresAt = Date.now() + 60_000) {
    const id = ++connector;
    await store.db.insertInto("connector_locks").values({ connector_id: id, owner, expires_at: expiresAt }).execute();
    const run = await store.db
      .insertInto("runs")
      .values({
        connector_id: id,
        is_test: 0,
        status: "running",
        started_at: Date.now(),
        finished_at: null,
        error: null,
        owner,
        logs: "[]",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return { id, runId: run.id };
  }
  const statusOf = async (runId: number) =>
    (await store.db.selectFrom("runs").select("status").where("id", "=", runId).executeTakeFirstOrThrow()).status;

  it("refuses a second run while the first runs, and lets the next in once it is released", async () => {
    const id = ++connector;
    const first = await acquireLease(store, id, "mail");
    expect(first.owner).toBe(`${os.hostname()}:${process.pid}:${first.owner.split(":")[2]}:${processStartTime() ?? ""}`);
    await expect(acquireLease(store, id, "mail")).rejects.toMatchObject({
      code: "RUN_IN_PROGRESS",
      message: `connector "mail" is already running (${os.hostname()} pid ${process.pid})`,
    });
    // Another connector is not held up.
    await (await acquireLease(store, id + 1000, "other")).release();
    await first.release();
    await (await acquireLease(store, id, "mail")).release();
  });

  it.runIf(linux)("takes over from a zombie holder before its lease expires, and records its run interrupted", async () => {
    await withZombie(async (pid) => {
      const { id, runId } = await leftBy(`${os.hostname()}:${pid}:0badcafe:${statOf(pid).startTime}`);
      const lease = await acquireLease(store, id, "mail");
      expect(await statusOf(runId)).toBe("interrupted");
      await lease.release();
    });
  });

  it.runIf(linux)("takes over from a holder whose pid was reused", async () => {
    const { id, runId } = await leftBy(`${os.hostname()}:${process.pid}:0badcafe:${Number(processStartTime()) - 1}`);
    await (await acquireLease(store, id, "mail")).release();
    expect(await statusOf(runId)).toBe("interrupted");
  });

  it("takes over from a holder that no longer exists", async () => {
    const exited = spawnSync("true");
    const { id, runId } = await leftBy(`${os.hostname()}:${exited.pid}:0badcafe:`);
    await (await acquireLease(store, id, "mail")).release();
    expect(await statusOf(runId)).toBe("interrupted");
  });

  it("trusts a live holder past its lease's expiry, and a holder of another host until it", async () => {
    const live = await leftBy(`${os.hostname()}:${process.pid}:0badcafe:${processStartTime() ?? ""}`, Date.now() - 1);
    await expect(acquireLease(store, live.id, "mail")).rejects.toMatchObject({ code: "RUN_IN_PROGRESS" });
    expect(await statusOf(live.runId)).toBe("running");

    const elsewhere = await leftBy("elsewhere.test:1234:0badcafe:99");
    await expect(acquireLease(store, elsewhere.id, "mail")).rejects.toThrow(
      `connector "mail" is already running (elsewhere.test pid 1234)`,
    );
    await store.db
      .updateTable("connector_locks")
      .set({ expires_at: Date.now() - 1 })
      .where("connector_id", "=", elsewhere.id)
      .execute();
    await (await acquireLease(store, elsewhere.id, "mail")).release();
    expect(await statusOf(elsewhere.runId)).toBe("interrupted");
  });
});
