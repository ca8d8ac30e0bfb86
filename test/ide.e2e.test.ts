// The IDE in Debian's Chromium (playwright-core) against `intake serve`: create an integration with an icon and
// a connector, type code in the editor, see a type error marked on its line, fix it, Play (nothing stored),
// enable it and watch its cases arrive, and see the diff between versions.
import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminConsoleSession, type ConsoleSession } from "./support/console-session.js";
import { countRows, waitFor } from "./support/wait.js";
import { makeWorkspace, PROJECT_ROOT, type Workspace } from "./support/cli.js";

const ARTIFACTS = path.join(PROJECT_ROOT, "test-artifacts");
const PASSWORD = "ide-admin-password-1";
const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" fill="#2563eb"/></svg>`;

/** Line 9 (1-based) holds the mistake: a string where a number is declared. */
const ERROR_LINE = 9;
const connectorCode = (countLine: string) => `import { AlertInfo, ConnectorExecution, Priority } from "intake/sdk";

// Two alerts, each with one event; the ids are fixed so later runs are duplicates.
export default async function main(execution: ConnectorExecution): Promise<void> {
  const prefix = execution.extractConnectorParam("Prefix", { defaultValue: "ide" });
  const now = Date.now();
  const alerts: AlertInfo[] = [];
  const names = ["IDE alert one", "IDE alert two <b>bold</b> https://evil.test/x"];
  ${countLine}
  for (let n = 0; n < count; n++) {
    const alert = new AlertInfo();
    alert.display_id = \`\${prefix}-\${n + 1}\`;
    alert.ticket_id = alert.display_id;
    alert.name = names[n]!;
    alert.rule_generator = "IDE rule";
    alert.start_time = now;
    alert.end_time = now;
    alert.priority = n === 0 ? Priority.HIGH : Priority.LOW;
    alert.device_vendor = "Example";
    alert.device_product = "IDE Demo";
    alert.events.push({ StartTime: now, EndTime: now, event_name: "ide event", device_product: "IDE Demo", host: \`host-\${n + 1}\` });
    alerts.push(alert);
  }
  const result = await execution.returnPackage(alerts);
  execution.logger.info(\`returned \${alerts.length} alerts, stored \${result.stored.length}\`);
}
`;
const BROKEN = connectorCode(`const count: number = "two";`);
const FIXED = connectorCode(`const count: number = names.length;`);

let ws: Workspace;
let session: ConsoleSession;

function shot(page: Page, name: string) {
  return page.screenshot({ path: path.join(ARTIFACTS, `ide-${name}.png`), fullPage: true });
}

/**
 * Pastes over the selection as a user's Ctrl+V does (the editor handles the paste event). Native
 * insertText over many lines would make Chromium's own contenteditable markup with inline styles,
 * which the console's policy rightly blocks.
 */
async function paste(page: Page, text: string): Promise<void> {
  await page.locator(".cm-content").evaluate((element, value) => {
    // The page's own constructors (this runs in the browser; the tests compile without DOM types).
    const browser = globalThis as unknown as {
      DataTransfer: new () => { setData(type: string, value: string): void };
      ClipboardEvent: new (type: string, init: object) => Event;
    };
    const data = new browser.DataTransfer();
    data.setData("text/plain", value);
    element.dispatchEvent(new browser.ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  ws = makeWorkspace();
  session = await adminConsoleSession(ws, PASSWORD);
});

afterAll(async () => {
  await session?.close();
});

describe("the IDE in a real browser", () => {
  it("creates an integration and a connector, marks a type error on its line, plays, enables, and shows the diff", async () => {
    const page = await session.signedIn("admin", PASSWORD, "en-US", { width: 1400, height: 1000 });
    const context = page.context();
    await page.getByRole("link", { name: "IDE", exact: true }).click();

    // Bad input is refused with the field named; a path in a name goes nowhere.
    const refused = await page.evaluate(async () => {
      const csrf = ((await (await fetch("/api/session")).json()) as { csrfToken: string }).csrfToken;
      const post = (url: string, method: string, body: unknown) =>
        fetch(url, { method, headers: { "content-type": "application/json", "x-csrf-token": csrf }, body: JSON.stringify(body) }).then(
          async (r) => ({ status: r.status, body: (await r.json()) as { error: { message: string } } }),
        );
      return {
        icon: await post("/api/ide/integrations", "POST", { name: "Bad Icon", icon: btoa("<html><script>x</script></html>") }),
        traversal: await post("/api/ide/integrations/..%2F..%2Fetc/connectors/x", "PUT", {}),
        interval: await post("/api/ide/integrations/nothing/connectors/x", "PUT", {
          name: "x",
          description: "",
          parameters: [],
          productFieldName: "a",
          eventFieldName: "b",
          intervalSeconds: 0,
          timeoutSeconds: 5,
        }),
      };
    });
    expect(refused.icon.status).toBe(400);
    expect(refused.icon.body.error.message).toMatch(/^icon: /);
    expect(refused.traversal.status).toBe(400);
    expect(refused.interval.status).toBe(400);
    expect(refused.interval.body.error.message).toContain("intervalSeconds");

    // New integration with an icon.
    const iconFile = path.join(ws.dir, "icon.svg");
    fs.writeFileSync(iconFile, ICON);
    await page.locator("#integration-name").fill("IDE Demo");
    await page.locator("#integration-description").fill("Made in the console.");
    await page.locator("#integration-icon").setInputFiles(iconFile);
    await page.getByRole("button", { name: "Create integration" }).click();
    const card = page.locator('[data-integration="ide-demo"]');
    await card.waitFor();

    // New connector: a parameter and the field mappings.
    await card.getByRole("button", { name: "New connector" }).click();
    await card.locator("#definition-name").fill("Demo Alerts");
    await card.locator("#definition-file").fill("demo-alerts");
    await card.locator("#definition-interval").fill("3600");
    await card.locator("#definition-timeout").fill("60");
    await card.getByRole("button", { name: "Add parameter" }).click();
    await card.getByRole("textbox", { name: "Name", exact: true }).fill("Prefix");
    await card.getByRole("textbox", { name: "Default", exact: true }).fill("ide");
    await shot(page, "1-new-connector");
    await card.getByRole("button", { name: "Save definition" }).click();
    await page.waitForURL(/\/ide\/ide-demo\/demo-alerts$/, { timeout: 60_000 });

    // The editor holds the template; replace it with code that has a type error, and type a little by hand.
    const editor = page.locator(".cm-content");
    await editor.waitFor();
    await expect.poll(() => editor.textContent()).toContain("nothing fetched yet");
    await editor.click();
    await page.keyboard.press("ControlOrMeta+A");
    await paste(page, BROKEN);
    await page.keyboard.press("ControlOrMeta+End");
    await page.keyboard.type("Priori");
    // Completion offers the SDK's names.
    await page.locator(".cm-tooltip-autocomplete").getByText("Priority", { exact: true }).first().waitFor();
    await page.keyboard.press("Escape");
    for (let i = 0; i < "Priori".length; i++) await page.keyboard.press("Backspace");
    await page.keyboard.type("// typed in the editor");

    await page.getByRole("button", { name: "Save", exact: true }).click();
    const problems = page.getByTestId("problems");
    await expect.poll(() => problems.textContent(), { timeout: 90_000 }).toContain("TS2322");
    expect(await problems.textContent()).toContain(`connectors/demo-alerts.ts:${ERROR_LINE}:`);
    // Marked on its line in the editor, and in the gutter.
    const errorLine = page.locator(".cm-content .cm-line").nth(ERROR_LINE - 1);
    await errorLine.locator(".cm-lintRange-error").waitFor();
    expect(await errorLine.textContent()).toContain(`"two"`);
    expect(await page.locator(".cm-content .cm-lintRange-error").count()).toBe(1);
    await page.locator(".cm-gutter-lint .cm-lint-marker-error").first().waitFor();
    // The working version did not change: its code is still the template.
    const stored = await page.evaluate(
      async () => (await (await fetch("/api/ide/integrations/ide-demo/connectors/demo-alerts/code")).json()) as { code: string },
    );
    expect(stored.code).toContain("nothing fetched yet");
    await shot(page, "2-type-error");

    // Fix it and save: a new version.
    await editor.click();
    await page.keyboard.press("ControlOrMeta+A");
    await paste(page, FIXED);
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByText("Saved as version 2.").waitFor({ timeout: 90_000 });
    expect(await page.locator(".cm-content .cm-lintRange-error").count()).toBe(0);

    // Play: alerts, their events and the logs; nothing stored.
    await page.getByRole("button", { name: /Play/ }).click();
    const output = page.getByTestId("play-output");
    await output.waitFor({ timeout: 60_000 });
    expect(await output.textContent()).toContain("succeeded: 2 alerts");
    await output.locator('[data-alert="ide-1"]').getByText("IDE alert one").waitFor();
    const second = output.locator('[data-alert="ide-2"]');
    // Hostile text stays text: no element made from it, no link.
    expect(await second.locator("td").first().textContent()).toBe("IDE alert two <b>bold</b> https://evil.test/x");
    expect(await output.locator("b, a").count()).toBe(0);
    expect(await second.textContent()).toContain("host-2");
    expect(await page.getByTestId("play-logs").textContent()).toContain("returned 2 alerts, stored 0");
    expect(countRows(ws.db, "select count(*) as n from cases")).toBe(0);
    expect(countRows(ws.db, "select count(*) as n from alerts")).toBe(0);
    expect(countRows(ws.db, "select count(*) as n from connectors")).toBe(0);
    await shot(page, "3-play");

    // Version history: the diff from the template to the fixed code.
    const history = page.getByTestId("history");
    await history.getByRole("button", { name: "Version 2" }).click();
    const diff = history.getByTestId("diff");
    await diff.waitFor();
    expect(await diff.locator(".added").allTextContents()).toContain(`+   const count: number = names.length;`);
    expect((await diff.locator(".removed").allTextContents()).join("\n")).toContain("nothing fetched yet");
    await shot(page, "4-history");

    // Enable with a short interval: the scheduler runs it and its cases arrive.
    await page.locator("#enable-interval").fill("2");
    await page.getByRole("button", { name: "Enable", exact: true }).click();
    await page.getByText("Connector demo-alerts is enabled").waitFor();
    await waitFor(() => countRows(ws.db, "select count(*) as n from alerts") >= 2, 60_000);
    await page.getByRole("link", { name: "Cases", exact: true }).first().click();
    await page.getByText("IDE alert one").first().waitFor({ timeout: 30_000 });
    await shot(page, "5-cases");

    // The integration's icon is served from the package.
    const icon = await page.evaluate(async () => {
      const response = await fetch("/api/integrations/ide-demo/icon");
      return { status: response.status, type: response.headers.get("content-type") };
    });
    expect(icon).toEqual({ status: 200, type: "image/svg+xml" });
    await page.getByRole("link", { name: "IDE", exact: true }).click();
    await page.locator('[data-integration="ide-demo"] img.integration-icon').waitFor();
    await shot(page, "6-integrations");

    expect(session.cspViolations).toEqual([]);
    await context.close();
  });
});
