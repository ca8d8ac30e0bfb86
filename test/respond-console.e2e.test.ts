// The console's respond side in Debian's Chromium against `intake serve`: the CSV example's cases carry
// entities from its entity mapping (shown and edited in the IDE's connector form); a playbook triggered by
// them waits on the case wall for approval, an analyst approves it and watches the step run; an action run
// by hand shows its result value, JSON, entity updates and logs, and lands on the wall; in English and Korean.
import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleSession, type ConsoleSession } from "./support/console-session.js";
import { makeWorkspace, PROJECT_ROOT, type Workspace } from "./support/cli.js";

const ARTIFACTS = path.join(PROJECT_ROOT, "test-artifacts");
const EXAMPLE = path.join(PROJECT_ROOT, "examples", "csv-alerts");
const RESPOND = path.join(PROJECT_ROOT, "test", "fixtures", "respond-tests");
const PASSWORD = "respond-admin-password-1";

const PLAYBOOK = {
  name: "triage",
  trigger: { event: "case_created", connector: "detections" },
  steps: [
    { id: "look", action: "Respond Tests/Lookup", params: { Limit: "3" } },
    {
      id: "confirm",
      action: "Respond Tests/Lookup",
      params: { Limit: "1" },
      when: { step: "look", resultValue: "true" },
      approval: { prompt: "Mark the URL again?", timeoutMinutes: 60, onTimeout: "reject" },
    },
  ],
};

let ws: Workspace;
let session: ConsoleSession;
let caseId = 0;

function shot(page: Page, name: string) {
  return page.screenshot({ path: path.join(ARTIFACTS, `respond-${name}.png`), fullPage: true });
}

async function ok(args: string[]) {
  const result = await ws.intake(args);
  expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(0);
  return result;
}

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  ws = makeWorkspace();
  const added = await ws.intake(["users", "add", "admin", "--role", "admin"], { env: { INTAKE_PASSWORD: PASSWORD } });
  expect(added.code, added.stderr).toBe(0);
  await ok(["integration", "import", EXAMPLE]);
  await ok(["integration", "import", RESPOND]);
  await ok([
    "integration",
    "configure",
    "Respond Tests",
    "--params",
    ws.writeJson("settings.json", { Prefix: "wall", "API Key": "never-shown-key" }),
  ]);
  await ok(["playbook", "import", ws.writeJson("triage.json", PLAYBOOK)]);
  // A file parameter names a file under the data folder's files/ (INTAKE_FILE_ROOTS' default).
  const csv = path.join(ws.dir, "files", "detections.csv");
  fs.mkdirSync(path.dirname(csv), { recursive: true });
  fs.copyFileSync(path.join(EXAMPLE, "detections.csv"), csv);
  await ok(["connector", "create", "detections", "--integration", "CSV Alerts", "--params", ws.writeJson("csv.json", { "CSV File": csv })]);
  await ok(["connector", "run", "detections", "--json"]);
  // The playbooks run up to their approvals in the foreground; the console decides the rest.
  await ok(["playbooks", "drain", "--json"]);
  const runs = await ok(["cases", "export", "--jsonl"]);
  caseId = runs.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { id: number; title: string })
    .find((c) => c.title === "Credential dump tool")!.id;
  session = await consoleSession(ws);
}, 300_000);

afterAll(async () => {
  await session?.close();
});

describe("the respond side of the console in a real browser", () => {
  it("approves a waiting playbook step and runs an action by hand on the case wall", async () => {
    const page = await session.signedIn("admin", PASSWORD, "en-US", { width: 1400, height: 1000 });
    await page.goto(`${session.base}/cases/${caseId}`);

    // The playbook ran its first step on the mapped URL and waits for approval.
    const wall = page.getByTestId("playbook-runs");
    const look = wall.locator('[data-step="look"]');
    await expect.poll(() => look.getByTestId("step-status").textContent(), { timeout: 30_000 }).toBe("completed");
    const confirm = wall.locator('[data-step="confirm"]');
    await expect.poll(() => confirm.getByTestId("step-status").textContent()).toBe("waiting_approval");
    await expect.poll(() => confirm.textContent()).toContain("Mark the URL again?");
    await look.getByText("Inputs, JSON result and logs").click();
    await expect.poll(() => look.textContent()).toContain("URL http://tools.example.org/mimi.zip");
    await shot(page, "1-waiting-approval-en");

    await confirm.getByRole("textbox").fill("checked by hand");
    await confirm.getByRole("button", { name: "Approve" }).click();
    // serve's worker runs the approved step; the wall follows it.
    await expect.poll(() => confirm.getByTestId("step-status").textContent(), { timeout: 60_000 }).toBe("completed");
    await expect.poll(() => confirm.getByTestId("step-approval").textContent()).toContain("Approved by admin");
    await expect.poll(() => confirm.textContent()).toContain("checked by hand");
    await expect.poll(() => wall.getByTestId("run-status").first().textContent(), { timeout: 30_000 }).toBe("completed");

    // An action by hand: its result, JSON, entity updates and logs (the secret masked), then on the wall.
    const form = page.getByTestId("run-action");
    await form.locator("#run-action").selectOption("Respond Tests/Lookup");
    await form.locator("#action-param-Limit").fill("2");
    await form.locator("#action-param-Token").fill("hand-token-secret");
    await form.getByRole("button", { name: "Run", exact: true }).click();
    const outcome = form.getByTestId("action-outcome");
    await outcome.waitFor({ timeout: 60_000 });
    expect(await outcome.textContent()).toContain("completed: result value true");
    expect(await outcome.getByTestId("action-json").textContent()).toContain('"URL http://tools.example.org/mimi.zip"');
    // Checked by the playbook's two steps before: the JSON says what it saw before this run.
    expect(await outcome.getByTestId("action-json").textContent()).toContain('"wall:1"');
    expect(await outcome.getByTestId("action-entities").textContent()).toContain('"checked":"wall:2"');
    expect(await outcome.textContent()).not.toContain("hand-token-secret");
    expect(await outcome.textContent()).not.toContain("never-shown-key");
    const handRuns = page.locator("ul.action-runs > li", { hasText: "by admin" });
    await expect.poll(() => handRuns.count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => page.locator("ul.action-runs > li").count()).toBe(3);
    await shot(page, "2-action-run-en");

    // A bad parameter is refused, naming it.
    await form.locator("#action-param-Limit").fill("many");
    await form.getByRole("button", { name: "Run", exact: true }).click();
    await expect.poll(() => form.getByRole("alert").textContent(), { timeout: 30_000 }).toContain("Limit");

    // The same wall in Korean.
    const korean = await session.signedIn("admin", PASSWORD, "ko-KR", { width: 1400, height: 1000 });
    await korean.goto(`${session.base}/cases/${caseId}`);
    await korean.getByRole("heading", { name: "플레이북 실행" }).waitFor();
    await expect.poll(() => korean.getByTestId("playbook-runs").textContent()).toContain("admin 승인");
    await korean.getByTestId("run-action").getByRole("button", { name: "실행", exact: true }).click();
    await korean.getByTestId("run-action").getByTestId("action-outcome").waitFor({ timeout: 60_000 });
    await shot(korean, "3-case-wall-ko");
    expect(session.cspViolations).toEqual([]);
  });

  it("shows the CSV connector's entity mapping in the IDE's connector form", async () => {
    const page = await session.signedIn("admin", PASSWORD, "en-US", { width: 1400, height: 1000 });
    await page.goto(`${session.base}/ide/csv-alerts/csv-alerts`);
    await page.getByRole("button", { name: "Edit definition" }).click();
    const field = page.getByRole("textbox", { name: "Event field", exact: true });
    await expect.poll(() => field.count(), { timeout: 30_000 }).toBe(3);
    expect(await field.evaluateAll((inputs) => inputs.map((input) => (input as unknown as { value: string }).value))).toEqual([
      "SourceHostName",
      "SourceUserName",
      "found_url",
    ]);
    expect(
      await page
        .getByRole("combobox", { name: "Entity type", exact: true })
        .evaluateAll((selects) => selects.map((s) => (s as unknown as { value: string }).value)),
    ).toEqual(["HOSTNAME", "USERNAME", "URL"]);
    await shot(page, "4-entity-mapping-en");
  });

  it("makes an action in the IDE, saves it and Plays it on the case's entities, changing nothing", async () => {
    const page = await session.signedIn("admin", PASSWORD, "en-US", { width: 1400, height: 1000 });
    await page.getByRole("link", { name: "IDE", exact: true }).click();
    await page.locator("#integration-name").fill("Wall Tools");
    await page.getByRole("button", { name: "Create integration" }).click();
    const card = page.locator('[data-integration="wall-tools"]');
    await card.waitFor();
    await card.getByRole("button", { name: "New action" }).click();
    await card.locator("#actions-name").fill("List Hosts");
    await card.getByRole("checkbox", { name: "HOSTNAME" }).check();
    await card.getByRole("button", { name: "Save definition" }).click();
    await page.waitForURL(/\/ide\/wall-tools\/actions\/list-hosts$/, { timeout: 120_000 });
    await expect.poll(() => page.locator(".cm-content").textContent(), { timeout: 30_000 }).toContain("targetEntities");

    const before = await ws.intake(["action", "runs", "--case", String(caseId), "--json"]);
    await page.locator("#play-case").fill(String(caseId));
    await page.getByRole("button", { name: "Play" }).click();
    const output = page.getByTestId("play-output");
    await output.waitFor({ timeout: 60_000 });
    expect(await output.textContent()).toContain("completed: result value true");
    expect(await output.textContent()).toContain("looked at 1 entities");
    expect(await output.textContent()).toContain("INFO HOSTNAME srv-db1");
    await shot(page, "5-ide-action-play-en");
    // Play stores no action run.
    const after = await ws.intake(["action", "runs", "--case", String(caseId), "--json"]);
    expect(after.stdout).toBe(before.stdout);

    // The action is in the IDE's list, next to the connectors, and its versions are listed.
    await page.goto(`${session.base}/ide`);
    await expect
      .poll(() => page.locator('[data-integration="wall-tools"] [data-kind="actions"]').textContent())
      .toContain("actions/list-hosts.ts");
  });

  it("edits a playbook as an ordered list of steps: every problem listed on save, then saved as the CLI lists it", async () => {
    const page = await session.signedIn("admin", PASSWORD, "en-US", { width: 1400, height: 1000 });
    await page.getByRole("link", { name: "Playbooks", exact: true }).click();
    await expect.poll(() => page.locator("main table").textContent()).toContain("triage");
    await page.locator("#new-playbook").fill("hand-made");
    await page.getByRole("button", { name: "New playbook" }).click();
    await page.locator("#trigger-connector").fill("detections");
    await page.getByRole("button", { name: "Add a step" }).click();
    await page.getByRole("button", { name: "Add a step" }).click();
    const steps = page.locator("ol.steps-editor > li");
    // The first step names a step that comes after it, the second one that does not exist: both named.
    await steps.nth(1).getByRole("textbox", { name: "id" }).fill("second");
    await steps.nth(0).getByRole("combobox", { name: "Action" }).selectOption("Respond Tests/Lookup");
    await steps.nth(0).getByRole("textbox", { name: "Limit" }).fill("[Step.second.ResultValue]");
    await steps.nth(1).getByRole("combobox", { name: "Action" }).selectOption("Respond Tests/Lookup");
    await steps.nth(1).getByRole("textbox", { name: "Limit" }).fill("[Step.nowhere.ResultValue]");
    await page.getByRole("button", { name: "Save playbook" }).click();
    const problems = page.getByTestId("playbook-problems");
    await problems.waitFor({ timeout: 30_000 });
    expect(await problems.locator("li").count()).toBe(2);
    expect(await problems.locator("li").nth(0).textContent()).toContain("second");
    expect(await problems.locator("li").nth(1).textContent()).toContain("nowhere");
    await shot(page, "6-playbook-problems-en");

    // Fixed: the first step checks with a literal, the second runs after approval when the first said true.
    await steps.nth(0).getByRole("textbox", { name: "Limit" }).fill("2");
    await steps.nth(1).getByRole("textbox", { name: "Limit" }).fill("");
    await steps.nth(1).getByText("Condition, failure, retries, timeout, approval").click();
    await steps.nth(1).getByRole("combobox", { name: "Run when step" }).selectOption("step1");
    await steps.nth(1).getByRole("textbox", { name: "Value", exact: true }).fill("true");
    await steps.nth(1).getByRole("checkbox", { name: "Wait for an analyst's approval first" }).check();
    await steps.nth(1).getByRole("textbox", { name: "Question to the analyst" }).fill("Go on?");
    await page.getByRole("button", { name: "Save playbook" }).click();
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor({ timeout: 30_000 });
    await shot(page, "7-playbook-saved-en");
    const listed = await ws.intake(["playbooks", "list", "--json"]);
    const saved = (JSON.parse(listed.stdout.trim().split("\n").pop()!) as { name: string }[]).find((p) => p.name === "hand-made");
    expect(saved).toBeDefined();
    const detail = (await page.evaluate(async () => (await fetch("/api/playbooks/hand-made")).json())) as { definition: unknown };
    expect(detail.definition).toMatchObject({
      trigger: { event: "case_created", connector: "detections" },
      steps: [
        { id: "step1", action: "Respond Tests/Lookup", params: { Limit: "2" } },
        {
          id: "second",
          action: "Respond Tests/Lookup",
          when: { step: "step1", resultValue: "true" },
          approval: { prompt: "Go on?", timeoutMinutes: 60, onTimeout: "reject" },
        },
      ],
    });

    const korean = await session.signedIn("admin", PASSWORD, "ko-KR", { width: 1400, height: 1000 });
    await korean.goto(`${session.base}/playbooks/hand-made`);
    await korean.getByRole("button", { name: "플레이북 저장" }).waitFor();
    await shot(korean, "8-playbook-ko");
    expect(session.cspViolations).toEqual([]);
  });

  it("sets an integration's parameters in a form where the secret is write-only", async () => {
    const page = await session.signedIn("admin", PASSWORD, "en-US", { width: 1400, height: 1000 });
    await page.getByRole("link", { name: "Connectors", exact: true }).click();
    const form = page.locator('[data-settings="respond-tests"]');
    await form.waitFor({ timeout: 30_000 });
    expect(await form.textContent()).toContain("Set and kept secret: API Key");
    expect(await form.locator("#settings-respond-tests-Prefix").inputValue()).toBe("wall");
    expect(await form.locator("#settings-respond-tests-API_Key").inputValue()).toBe("");
    expect(await page.content()).not.toContain("never-shown-key");
    await form.locator("#settings-respond-tests-Prefix").fill("changed");
    await form.getByRole("button", { name: "Save parameters" }).click();
    await form.getByRole("status").waitFor({ timeout: 30_000 });
    await shot(page, "9-integration-parameters-en");
    // The secret left empty kept its value; the action reads the new prefix and the kept key (masked in its log).
    const settings = await page.evaluate(
      async () =>
        (await (await fetch("/api/integrations")).json()) as { integrations: { slug: string; settings: Record<string, unknown> }[] },
    );
    expect(settings.integrations.find((i) => i.slug === "respond-tests")!.settings).toEqual({ Prefix: "changed", "API Key": "********" });
    const ran = await ws.intake(["action", "run", "Respond Tests", "Lookup", "--case", String(caseId), "--json", "--verbose"]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stderr).toContain("with key ********");
    expect(ran.stderr).not.toContain("never-shown-key");
    const runs = await ws.intake(["action", "runs", "--case", String(caseId), "--json"]);
    expect(runs.stdout).toContain('"checked":"changed:5"');
  });
});
