// The playbook worker's warm-up: the actions of the enabled playbooks get their code process before the first
// report, one per integration and kind as their runs share it; a disabled playbook's actions get none.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/cli.js";

// The pool forks its built child entry: the built modules are used, as the CLI uses them.
const built = (module: string) => import(path.join(PROJECT_ROOT, "dist/src/platform", module));
const { openStore } = (await built("store/index.js")) as typeof import("../../src/platform/store/index.js");
const { savePlaybook } = (await built("playbooks/index.js")) as typeof import("../../src/platform/playbooks/index.js");
const { prestartPlaybookActions } = (await built("playbooks/prestart.js")) as typeof import("../../src/platform/playbooks/prestart.js");
const { enableWarmRunners, processesStarted, stopWarmRunners } = (await built(
  "runner/pool.js",
)) as typeof import("../../src/platform/runner/pool.js");

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "intake-prestart-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it("starts the code process the enabled playbooks' actions will run in, and none for a disabled playbook's", async () => {
  const store = await openStore(path.join(dir, "intake.db"));
  try {
    const trigger = { event: "case_created" };
    await savePlaybook(store, {
      name: "warm",
      trigger,
      steps: [
        { id: "search", action: "email/Search Mailboxes" },
        {
          id: "both",
          parallel: [
            { id: "reply", action: "email/Reply To Reporter" },
            { id: "again", action: "email/Search Mailboxes" },
          ],
        },
      ],
    });
    await savePlaybook(store, { name: "off", enabled: false, trigger, steps: [{ id: "purge", action: "email/Purge Email" }] });

    expect(await prestartPlaybookActions(store), "without warm runners nothing is started").toBe(0);
    const pool = enableWarmRunners()!;
    const before = processesStarted();
    // Two actions (a group's members included, each once; not the disabled playbook's Purge Email)…
    expect(await prestartPlaybookActions(store)).toBe(2);
    // …in one process: the email integration's actions share it.
    expect(processesStarted() - before).toBe(1);
    expect(pool.size()).toBe(1);
  } finally {
    await stopWarmRunners();
    await store.close();
  }
});
