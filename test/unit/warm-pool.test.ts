// The warm runners (runner/pool.ts) with real code processes of the built runner: reuse one task at a time,
// recycling after N tasks and past a memory bound, replacement after a crash, a throw and a timeout, one
// process per integration and kind, a changed module imported afresh, and nothing of a task's log in the next.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/cli.js";

type Drive = typeof import("../../src/platform/runner/drive.js");
type Pool = typeof import("../../src/platform/runner/pool.js");
// The runner forks its built child entry: the built modules are used, as the CLI uses them.
const { driveCodeProcess } = (await import(path.join(PROJECT_ROOT, "dist/src/platform/runner/drive.js"))) as Drive;
const { enableWarmRunners, processesStarted, stopWarmRunners } = (await import(
  path.join(PROJECT_ROOT, "dist/src/platform/runner/pool.js")
)) as Pool;

const made: string[] = [];
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await stopWarmRunners();
});

/**
 * An integration's folder with a job module (plain JavaScript, as the compiler emits) and its digest file.
 * The job logs its process's token (made once per process) and its module's task count.
 */
function integration(body = ""): { dir: string; modulePath: string; rewrite(body: string): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "intake-warm-"));
  made.push(dir);
  const modulePath = path.join(dir, "job.mjs");
  let version = 0;
  const rewrite = (code: string) => {
    version++;
    fs.writeFileSync(
      modulePath,
      `let tasks = 0;\nconst generation = ${version};\nexport default async function main(execution) {\n` +
        `  globalThis.warmToken ??= Math.random().toString(36).slice(2);\n  tasks++;\n` +
        `  execution.logger.info("token " + globalThis.warmToken + " task " + tasks + " generation " + generation);\n${code}\n}\n`,
    );
    fs.writeFileSync(`${modulePath}.sha256`, `digest-${version}`);
  };
  rewrite(body);
  return { dir, modulePath, rewrite };
}

interface Ran {
  status: string;
  error?: { code: string; message: string };
  token?: string;
  task?: number;
  generation?: number;
  logs: string[];
}

async function run(target: { dir: string; modulePath: string }, options: { timeoutSeconds?: number } = {}): Promise<Ran> {
  const logs: string[] = [];
  const outcome = await driveCodeProcess(
    {
      t: "init",
      kind: "job",
      modulePath: target.modulePath,
      taskName: "warm/job",
      mode: "run",
      isTestRun: false,
      parameters: {},
      secretParameters: [],
      context: {},
      allowList: [],
      job: { integrationName: "warm", jobName: "job" },
    },
    { timeoutSeconds: options.timeoutSeconds ?? 30, memoryMb: 128, readRoots: [target.dir], onLog: (entry) => logs.push(entry.message) },
  );
  const line = logs.find((message) => message.startsWith("token "));
  const [, token, , task, , generation] = line?.split(" ") ?? [];
  return {
    status: outcome.status,
    ...(outcome.error ? { error: outcome.error } : {}),
    ...(token ? { token, task: Number(task), generation: Number(generation) } : {}),
    logs,
  };
}

describe("warm runners", () => {
  it("start a process ahead of the first task, which takes it; once per spec", async () => {
    const target = integration();
    const pool = enableWarmRunners()!;
    const before = processesStarted();
    pool.prestart({ kind: "job", memoryMb: 128, readRoots: [target.dir] });
    pool.prestart({ kind: "job", memoryMb: 128, readRoots: [target.dir] });
    expect(processesStarted() - before).toBe(1);
    expect(pool.size()).toBe(1);
    const first = await run(target);
    expect(first.status).toBe("succeeded");
    // The first task ran in the process started ahead: no other was started for it.
    expect(processesStarted() - before).toBe(1);
    expect((await run(target)).token).toBe(first.token);
  });

  it("start a fresh process per task unless enabled", async () => {
    const target = integration();
    const before = processesStarted();
    const [one, two] = [await run(target), await run(target)];
    expect([one.status, two.status]).toEqual(["succeeded", "succeeded"]);
    expect(one.token).not.toBe(two.token);
    expect(processesStarted() - before).toBe(2);
  });

  it("reuse one process for an integration's tasks, and replace it after N tasks", async () => {
    enableWarmRunners({ maxTasks: 3 });
    const target = integration();
    const before = processesStarted();
    const runs: Ran[] = [];
    for (let i = 0; i < 4; i++) runs.push(await run(target));
    expect(runs.map((ran) => ran.status)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
    // Three tasks in one process (its module's state, a counter, kept between them), the fourth in a new one.
    expect(runs.map((ran) => ran.token === runs[0]!.token)).toEqual([true, true, true, false]);
    expect(runs.map((ran) => ran.task)).toEqual([1, 2, 3, 1]);
    expect(processesStarted() - before).toBe(2);
  });

  it("replace a process past its memory bound after its task", async () => {
    enableWarmRunners({ maxResidentMb: 1 });
    const target = integration();
    const [one, two] = [await run(target), await run(target)];
    expect([one.status, two.status]).toEqual(["succeeded", "succeeded"]);
    expect(one.token).not.toBe(two.token);
  });

  it("replace a process that crashed, threw or timed out, and run the next task in a new one", async () => {
    enableWarmRunners();
    const target = integration();
    const first = await run(target);
    expect(first.status).toBe("succeeded");
    const tokens = [first.token];
    for (const failure of ["crash", "throw", "loop"]) {
      // The next task, in the same process, fails as asked.
      target.rewrite(
        `  if (${JSON.stringify(failure)} === "crash") process.exit(3);\n` +
          `  if (${JSON.stringify(failure)} === "throw") throw new Error("thrown on purpose");\n` +
          `  if (${JSON.stringify(failure)} === "loop") while (true) {}`,
      );
      const failed = await run(target, { timeoutSeconds: 2 });
      expect(failed.token).toBe(tokens.at(-1));
      expect(failed.status).toBe(failure === "loop" ? "timed_out" : "failed");
      expect(failed.error?.code).toBe({ crash: "RUN_CRASHED", throw: "JOB_FAILED", loop: "RUN_TIMEOUT" }[failure]);
      target.rewrite("");
      const next = await run(target);
      expect(next.status, JSON.stringify(next)).toBe("succeeded");
      expect(tokens).not.toContain(next.token);
      tokens.push(next.token);
    }
  });

  it("run one task at a time per process: a second task at once gets a second process", async () => {
    enableWarmRunners();
    const target = integration(`  await new Promise((resolve) => setTimeout(resolve, 300));`);
    const [one, two] = await Promise.all([run(target), run(target)]);
    expect([one.status, two.status]).toEqual(["succeeded", "succeeded"]);
    expect(one.token).not.toBe(two.token);
    // Both kept: the next two tasks at once reuse them.
    const [three, four] = await Promise.all([run(target), run(target)]);
    expect(new Set([three.token, four.token])).toEqual(new Set([one.token, two.token]));
  });

  it("never run another integration's code in a process", async () => {
    enableWarmRunners();
    const first = integration();
    const second = integration();
    const a1 = await run(first);
    const b1 = await run(second);
    const a2 = await run(first);
    expect(a2.token).toBe(a1.token);
    expect(b1.token).not.toBe(a1.token);
  });

  it("import a changed module afresh in the same process, and keep an unchanged module's state", async () => {
    enableWarmRunners();
    const target = integration();
    const one = await run(target);
    const two = await run(target);
    target.rewrite("");
    const three = await run(target);
    expect([one.token, two.token]).toEqual([three.token, three.token]);
    expect([one.task, two.task, three.task]).toEqual([1, 2, 1]);
    expect([one.generation, two.generation, three.generation]).toEqual([1, 1, 2]);
  });

  it("keep a task's log from what its code left running into the next task", async () => {
    enableWarmRunners();
    const target = integration(
      `  if (!globalThis.leftOver) globalThis.leftOver = setInterval(() => execution.logger.info("left over from an earlier task"), 20);`,
    );
    const one = await run(target);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const two = await run(target);
    expect(two.token).toBe(one.token);
    expect(two.logs.filter((line) => line.includes("left over"))).toEqual([]);
  });
});
