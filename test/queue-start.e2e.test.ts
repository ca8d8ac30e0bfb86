// Queue mode's processes started together, as systemd at boot or a compose file starts them: `intake serve --queue`
// and four `intake worker` on a fresh PostgreSQL at the same moment, ten times over. Each must come up (migrations
// under their lock, pg-boss's schema installed by one process at a time); before, one start in three lost a worker to
// "QUEUE_START: … deadlock detected".
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT, makeWorkspace } from "./support/cli.js";
import { startPostgres, type Postgres } from "./support/postgres.js";
import { waitFor } from "./support/wait.js";

let postgres: Postgres;
const started: ChildProcess[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
}, 120_000);
afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  postgres?.stop();
});

interface Started {
  child: ChildProcess;
  output(): string;
}

function launch(args: string[], env: Record<string, string>, cwd: string): Started {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, "bin", "intake.js"), ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

const up = (process: Started) =>
  /intake worker \S+: started/.test(process.output()) || /listening on http:\/\/127\.0\.0\.1:\d+ \(queue mode/.test(process.output());

describe("queue mode started all at once", () => {
  it("brings serve and four workers up on a fresh database, ten times out of ten", async () => {
    for (let round = 1; round <= 10; round++) {
      const url = postgres.createDatabase(`together_${round}`);
      const ws = makeWorkspace({ INTAKE_DB: url });
      const processes = [
        launch(["serve", "--queue", "--port", "0"], ws.env, ws.dir),
        ...[1, 2, 3, 4].map(() => launch(["worker", "--concurrency", "1"], ws.env, ws.dir)),
      ];
      await waitFor(() => processes.every((item) => up(item) || item.child.exitCode !== null), 90_000, 100);
      for (const item of processes) expect(item.child.exitCode, `round ${round}:\n${item.output()}`).toBeNull();
      expect(processes.every(up), `round ${round}`).toBe(true);
      for (const item of processes) item.child.kill("SIGTERM");
      await Promise.all(
        processes.map(
          (item) => new Promise((resolve) => (item.child.exitCode !== null ? resolve(null) : item.child.once("exit", resolve))),
        ),
      );
    }
  }, 900_000);
});
