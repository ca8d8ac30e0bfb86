// Warm runners end to end under `intake serve`: a playbook's steps and the next case's steps run in the
// same warm action process (each process marks itself with a token of its own in globalThis), a step that
// crashes its process is recorded failed and the process is replaced, and the next step succeeds in the new one.
import fs from "node:fs";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeWorkspace, type Workspace } from "./support/cli.js";
import { oneAlertConnector, writePackage } from "./support/packages.js";
import { waitFor } from "./support/wait.js";

type StepJson = { id: string; status: string; resultValue: unknown };
type RunJson = { id: number; status: string; steps: StepJson[] };

/** The process's token (made once per process, kept across tasks) and how many tasks this module ran. */
const WHO = `import type { ActionExecution } from "intake/sdk";
let tasks = 0;
export default async function main(execution: ActionExecution): Promise<void> {
  const shared = globalThis as { warmToken?: string };
  shared.warmToken ??= Math.random().toString(36).slice(2);
  tasks++;
  execution.end("who", shared.warmToken + ":" + tasks);
}
`;
const CRASH = `import type { ActionExecution } from "intake/sdk";
export default async function main(execution: ActionExecution): Promise<void> {
  execution.logger.info("leaving without a word");
  process.exit(7);
}
`;

let ws: Workspace;
let serve: ChildProcess | undefined;
let serveLog = "";

function writeActions(dir: string): void {
  fs.mkdirSync(path.join(dir, "actions"), { recursive: true });
  for (const [name, code] of Object.entries({ Who: WHO, Crash: CRASH })) {
    fs.writeFileSync(
      path.join(dir, "actions", `${name}.json`),
      JSON.stringify({ name, description: `${name} (test)`, parameters: [], timeoutSeconds: 30 }),
    );
    fs.writeFileSync(path.join(dir, "actions", `${name}.ts`), code);
  }
}

async function runsOf(caseId: number): Promise<RunJson[]> {
  const result = await ws.intake(["playbook", "runs", "--case", String(caseId), "--json"]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout.trim().split("\n").pop()!) as RunJson[];
}

async function caseIds(): Promise<number[]> {
  const cases = await ws.intake(["cases", "export", "--jsonl"]);
  return cases.stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => Number((JSON.parse(line) as { id: number | string }).id))
    .sort((a, b) => a - b);
}

/** The case's playbook run once it has ended, its steps by id. */
async function endedSteps(caseId: number): Promise<Record<string, StepJson>> {
  let steps: Record<string, StepJson> = {};
  await waitFor(async () => {
    const [run] = await runsOf(caseId);
    if (!run || run.status === "running" || run.status === "pending") return false;
    steps = Object.fromEntries(run.steps.map((step) => [step.id, step]));
    return true;
  }, 60_000);
  return steps;
}

const token = (step: StepJson | undefined) => String(step?.resultValue ?? "").split(":")[0];

beforeAll(async () => {
  ws = makeWorkspace();
  const dir = writePackage(
    path.join(ws.dir, "warm"),
    { name: "Warm Tools" },
    { source: { code: oneAlertConnector(`"warm-" + Date.now() + "-" + Math.random()`, "{ warm: true }") } },
  );
  writeActions(dir);
  const imported = await ws.intake(["integration", "import", dir]);
  expect(imported.code, imported.stderr).toBe(0);
  const created = await ws.intake([
    "connector",
    "create",
    "source",
    "--integration",
    "Warm Tools",
    "--connector",
    "source",
    "--params",
    ws.writeJson("source.json", {}),
  ]);
  expect(created.code, created.stderr).toBe(0);
  const disabled = await ws.intake(["playbook", "disable", "phishing-triage"]);
  expect(disabled.code, disabled.stderr).toBe(0);
  const playbook = {
    name: "warm",
    trigger: { event: "case_created", connector: "source" },
    steps: [
      { id: "first", action: "Warm Tools/Who" },
      { id: "second", action: "Warm Tools/Who" },
      { id: "boom", action: "Warm Tools/Crash", onFailure: "continue" },
      { id: "after", action: "Warm Tools/Who" },
    ],
  };
  const saved = await ws.intake(["playbook", "import", ws.writeJson("warm.json", playbook)]);
  expect(saved.code, saved.stderr).toBe(0);
}, 300_000);

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    const exited = new Promise((resolve) => serve!.once("exit", resolve));
    serve.kill("SIGTERM");
    await exited;
  }
});

describe("warm runners", () => {
  it("reuses one action process for a playbook's steps and the next case's, and replaces a process that crashed", async () => {
    serve = ws.spawnIntake(["serve", "--port", "0"]);
    serve.stdout!.resume();
    serve.stderr!.on("data", (chunk: Buffer) => (serveLog += chunk.toString()));
    // The scheduler runs the connector once at start (a warm connector process): the first case.
    await waitFor(async () => (await caseIds()).length === 1, 60_000);
    const [firstCase] = await caseIds();
    const first = await endedSteps(firstCase!);
    expect(first.first?.status, serveLog).toBe("completed");
    expect(first.second?.status).toBe("completed");
    // The second step ran in the first step's process: the same token, its module's second task.
    expect(token(first.second)).toBe(token(first.first));
    expect(String(first.second?.resultValue).split(":")[1]).toBe(String(Number(String(first.first?.resultValue).split(":")[1]) + 1));
    expect(first.boom?.status).toBe("failed");
    // The crash replaced the process; the next step ran, and succeeded, in a new one.
    expect(first.after?.status).toBe("completed");
    expect(token(first.after)).not.toBe(token(first.first));

    // A second case (its connector run from the CLI, a process of its own): serve's playbook worker runs
    // its steps in the warm process left by the first case's last step.
    const run = await ws.intake(["connector", "run", "source", "--json"]);
    expect(ws.lastJson(run), run.stderr).toMatchObject({ ingested: 1 });
    const secondCase = (await caseIds())[1]!;
    const second = await endedSteps(secondCase);
    expect(second.first?.status).toBe("completed");
    expect(token(second.first)).toBe(token(first.after));
    expect(token(second.second)).toBe(token(first.after));
    expect(second.boom?.status).toBe("failed");
    expect(second.after?.status).toBe("completed");
    expect(new Set([token(first.first), token(first.after), token(second.after)]).size).toBe(3);
  });
});
