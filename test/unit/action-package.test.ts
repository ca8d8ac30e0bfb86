// The package format's actions/, jobs/ and playbooks/ folders: what is read, and each problem named with
// its file and field; and the SDK's ActionExecution as an action's code sees it.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadIntegrationPackage } from "../../src/platform/catalog/package.js";
import { ActionExecution, ENTITY_TYPES, ExecutionState } from "../../src/sdk/index.js";
import type { LogEntry } from "../../src/sdk/index.js";

function folder(files: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "intake-package-"));
  for (const [file, content] of Object.entries({ "integration.json": { name: "Kinds", description: "d" }, ...files })) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), typeof content === "string" ? content : JSON.stringify(content));
  }
  return dir;
}

const action = (extra: Record<string, unknown> = {}) => ({
  name: "Lookup",
  description: "d",
  parameters: [],
  timeoutSeconds: 10,
  ...extra,
});

describe("an integration package", () => {
  it("reads actions, jobs and playbooks beside connectors; any one kind is enough", () => {
    const dir = folder({
      "actions/lookup.json": action({ entityTypes: ["URL", "EMAIL_ADDRESS"] }),
      "actions/lookup.ts": "",
      "jobs/sync.json": { name: "Sync", description: "d", parameters: [], intervalSeconds: 60, timeoutSeconds: 10 },
      "jobs/sync.ts": "",
      "playbooks/enrich.json": { name: "enrich" },
    });
    const definition = loadIntegrationPackage(dir);
    expect(definition.connectors).toEqual([]);
    expect(definition.actions).toEqual([
      expect.objectContaining({
        name: "Lookup",
        fileBase: "lookup",
        entityTypes: ["URL", "EMAIL_ADDRESS"],
        sourceFile: path.join(dir, "actions/lookup.ts"),
      }),
    ]);
    expect(definition.jobs).toEqual([expect.objectContaining({ name: "Sync", intervalSeconds: 60 })]);
    expect(definition.playbookFiles).toEqual([path.join(dir, "playbooks/enrich.json")]);
    expect(loadIntegrationPackage(folder({ "playbooks/only.json": {} })).playbookFiles).toHaveLength(1);
  });

  it("names each problem with its file and field", () => {
    const empty = folder({});
    expect(() => loadIntegrationPackage(empty)).toThrow(
      `${empty}: no connectors/NAME.json, actions/NAME.json, jobs/NAME.json or playbooks/NAME.json (at least one is needed)`,
    );
    const badType = folder({ "actions/a.json": action({ entityTypes: ["URL", "SHOE_SIZE"] }), "actions/a.ts": "" });
    expect(() => loadIntegrationPackage(badType)).toThrow(new RegExp(`${path.join(badType, "actions/a.json")}: entityTypes\\.1: .*"URL"`));
    const noCode = folder({ "jobs/j.json": { name: "J", description: "d", parameters: [], intervalSeconds: 60, timeoutSeconds: 10 } });
    expect(() => loadIntegrationPackage(noCode)).toThrow(`${path.join(noCode, "jobs/j.json")}: its code jobs/j.ts is missing`);
    const noTimeout = folder({ "actions/a.json": { name: "A", description: "d", parameters: [] }, "actions/a.ts": "" });
    expect(() => loadIntegrationPackage(noTimeout)).toThrow(`${path.join(noTimeout, "actions/a.json")}: timeoutSeconds:`);
    const twice = folder({ "actions/a.json": action(), "actions/a.ts": "", "actions/b.json": action(), "actions/b.ts": "" });
    expect(() => loadIntegrationPackage(twice)).toThrow('two actions are named "Lookup"');
  });

  it("knows the entity types the email connector emits", () => {
    for (const type of ["URL", "DOMAIN", "EMAIL_ADDRESS", "IP", "FILE", "FILEHASH", "HOSTNAME", "ADDRESS", "USERNAME"])
      expect(ENTITY_TYPES).toContain(type);
  });
});

describe("ActionExecution", () => {
  const make = (logs: LogEntry[] = []) =>
    new ActionExecution({
      integrationName: "I",
      actionName: "Lookup",
      isTestRun: false,
      parameters: { Limit: "3", Token: "t0ken-value" },
      secretParameters: ["Token"],
      configuration: { Prefix: "p", "API Key": "k3y-value" },
      secretConfiguration: ["API Key"],
      caseId: 4,
      caseTitle: "T",
      idempotencyKey: "pb:1:a",
      targetEntities: [{ identifier: "https://x.test/", entityType: "URL", additionalProperties: { source: "text" } }],
      log: (entry) => logs.push(entry),
    });

  it("reads its parameters and the integration's, typed, and masks both kinds of secret in its log", () => {
    const logs: LogEntry[] = [];
    const execution = make(logs);
    expect(execution.extractActionParam("Limit", { inputType: "int" })).toBe(3);
    expect(execution.extractConfigurationParam("Prefix")).toBe("p");
    expect(() => execution.extractActionParam("Missing", { isMandatory: true })).toThrow('missing mandatory parameter "Missing"');
    execution.logger.info(`t0ken-value and k3y-value`);
    expect(logs.map((entry) => entry.message)).toEqual(["******** and ********"]);
  });

  it("hands back the last JSON result, the entity updates, insights, and the state it ended with", async () => {
    const execution = make();
    const [entity] = execution.targetEntities;
    entity!.additionalProperties.verdict = "clean";
    await execution.updateEntities([entity!]);
    execution.addEntityInsight(entity!, "seen before");
    execution.result.addResultJson({ first: true });
    execution.result.addResultJson({ second: true });
    execution.end("looked up k3y-value", "clean", ExecutionState.FAILED);
    expect(execution.takeResult()).toEqual({
      state: "failed",
      message: "looked up ********",
      resultValue: "clean",
      json: { second: true },
      entityUpdates: [{ entityType: "URL", identifier: "https://x.test/", additionalProperties: { source: "text", verdict: "clean" } }],
      insights: [{ entityType: "URL", identifier: "https://x.test/", title: "Lookup", message: "seen before" }],
      caseUpdates: {},
    });
  });
});
