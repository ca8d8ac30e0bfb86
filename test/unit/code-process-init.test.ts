// The one builder of a code process's init message (runner/init.ts): what each kind of task sends, and a job's init
// read by a real code process of the built runner (its name, parameters, context and secrets as the code sees them).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ParameterDefinition } from "../../src/platform/catalog/index.js";
import { codeProcessInit } from "../../src/platform/runner/init.js";
import { PROJECT_ROOT } from "../support/cli.js";

type Drive = typeof import("../../src/platform/runner/drive.js");
type Init = typeof import("../../src/platform/runner/init.js");
// The runner forks its built child entry: the built modules are used, as the CLI uses them.
const { driveCodeProcess } = (await import(path.join(PROJECT_ROOT, "dist/src/platform/runner/drive.js"))) as Drive;
const built = (await import(path.join(PROJECT_ROOT, "dist/src/platform/runner/init.js"))) as Init;

const made: string[] = [];
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

const definitions: ParameterDefinition[] = [
  { name: "Server", type: "string" },
  { name: "Password", type: "password" },
  { name: "Token", type: "password" },
];
const parameters = { Server: "imap.example.org", Password: "hunter22", Token: "t0k3n" };
const configuration = { values: { "API Key": "k3y-value" }, secretNames: ["API Key"] };

describe("the init message of a code process", () => {
  it("for a connector: its name, mode, checkpoint and allow list; secrets named from the definitions; a run is no test run", () => {
    const init = codeProcessInit({
      kind: "connector",
      modulePath: "/m/connector.mjs",
      name: "reported",
      mode: "run",
      parameterDefinitions: definitions,
      parameters,
      context: { uidvalidity: "7" },
      allowList: ["example.org"],
      configuration,
    });
    expect(init).toEqual({
      t: "init",
      kind: "connector",
      modulePath: "/m/connector.mjs",
      taskName: "reported",
      mode: "run",
      isTestRun: false,
      parameters,
      secretParameters: ["Password", "Token"],
      context: { uidvalidity: "7" },
      allowList: ["example.org"],
      configuration: { "API Key": "k3y-value" },
      secretConfiguration: ["API Key"],
    });
    for (const mode of ["test", "ping", "watch"] as const) {
      const init = codeProcessInit({
        kind: "connector",
        modulePath: "/m",
        name: "x",
        mode,
        parameterDefinitions: [],
        parameters: {},
        context: {},
        allowList: [],
      });
      expect(init).toMatchObject({ mode, isTestRun: true });
    }
  });

  it("without the integration's configuration (the IDE's Play of a connector): no configuration in the message at all", () => {
    const init = codeProcessInit({
      kind: "connector",
      modulePath: "/m",
      name: "x (play 1a2b3c)",
      mode: "test",
      parameterDefinitions: definitions,
      parameters,
      context: {},
      allowList: [],
    });
    expect(init).not.toHaveProperty("configuration");
    expect(init).not.toHaveProperty("secretConfiguration");
  });

  it("for an action: named integration/action, no context and no allow list, the case it runs on", () => {
    const action = {
      integrationName: "Email",
      actionName: "Reply",
      caseId: 12,
      caseTitle: "Phish",
      idempotencyKey: "run:3:step:a",
      targetEntities: [],
      currentCase: { id: 12, title: "Phish", priority: 60, status: "open", environment: "", alerts: [] },
    };
    const init = codeProcessInit({
      kind: "action",
      modulePath: "/m/a.mjs",
      test: true,
      parameterDefinitions: definitions,
      parameters,
      configuration,
      action,
    });
    expect(init).toEqual({
      t: "init",
      kind: "action",
      modulePath: "/m/a.mjs",
      taskName: "Email/Reply",
      mode: "test",
      isTestRun: true,
      parameters,
      secretParameters: ["Password", "Token"],
      context: {},
      allowList: [],
      configuration: { "API Key": "k3y-value" },
      secretConfiguration: ["API Key"],
      action,
    });
    const run = codeProcessInit({ kind: "action", modulePath: "/m", test: false, parameterDefinitions: [], parameters: {}, action });
    expect(run).toMatchObject({ mode: "run", isTestRun: false });
  });

  it("for a job: named integration/job, its saved context, whose job it is", () => {
    const job = { integrationName: "Threat Intel", jobName: "Refresh" };
    const init = codeProcessInit({
      kind: "job",
      modulePath: "/m/j.mjs",
      test: false,
      parameterDefinitions: definitions,
      parameters,
      context: { since: "5" },
      job,
    });
    expect(init).toEqual({
      t: "init",
      kind: "job",
      modulePath: "/m/j.mjs",
      taskName: "Threat Intel/Refresh",
      mode: "run",
      isTestRun: false,
      parameters,
      secretParameters: ["Password", "Token"],
      context: { since: "5" },
      allowList: [],
      job,
    });
  });

  it("is what a real code process reads: a job sees its name, parameters and context, and its secrets never reach the log", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "intake-init-"));
    made.push(dir);
    const modulePath = path.join(dir, "job.mjs");
    fs.writeFileSync(
      modulePath,
      [
        "export default async function main(execution) {",
        "  const seen = ['job', execution.integrationName + '/' + execution.jobName, 'since', execution.getContext('since')];",
        "  execution.logger.info([...seen, 'server', execution.extractJobParam('Server')].join(' '));",
        "  const secrets = [execution.extractJobParam('Password'), execution.extractConfigurationParam('API Key')];",
        "  execution.logger.info(['secrets', ...secrets].join(' '));",
        "  execution.saveContext('since', '6');",
        "}",
      ].join("\n"),
    );
    const logs: string[] = [];
    let saved: Record<string, string | null> | undefined;
    const outcome = await driveCodeProcess(
      built.codeProcessInit({
        kind: "job",
        modulePath,
        test: false,
        parameterDefinitions: definitions,
        parameters,
        context: { since: "5" },
        configuration,
        job: { integrationName: "Threat Intel", jobName: "Refresh" },
      }),
      {
        timeoutSeconds: 30,
        memoryMb: 128,
        readRoots: [dir],
        fresh: true,
        onLog: (entry) => logs.push(entry.message),
        onDone: async (context) => {
          saved = context;
        },
      },
    );
    expect(outcome, logs.join("\n")).toEqual({ status: "succeeded" });
    expect(logs).toContain("job Threat Intel/Refresh since 5 server imap.example.org");
    const secretLine = logs.find((line) => line.startsWith("secrets "));
    expect(secretLine).toBeDefined();
    expect(secretLine).not.toContain("hunter22");
    expect(secretLine).not.toContain("k3y-value");
    expect(saved).toEqual({ since: "6" });
  });
});
