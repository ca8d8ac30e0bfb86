// The Feeds page in Debian's Chromium against `intake serve`: feeds with their source, indicator count,
// last refresh and last error; an admin adds one and refreshes it; a broken file shows its error while the
// feed keeps its indicators; in English and Korean (screenshots under test-artifacts/).
import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleSession, type ConsoleSession } from "./support/console-session.js";
import { makeWorkspace, PROJECT_ROOT, type Workspace } from "./support/cli.js";

const ARTIFACTS = path.join(PROJECT_ROOT, "test-artifacts");
const FEEDS = path.join(PROJECT_ROOT, "test/fixtures/feeds");
const PASSWORD = "feeds-admin-password-1";

let ws: Workspace;
let session: ConsoleSession;
let urlhausCopy: string;

function shot(page: Page, name: string) {
  return page.screenshot({ path: path.join(ARTIFACTS, `feeds-${name}.png`), fullPage: true });
}

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  ws = makeWorkspace();
  expect((await ws.intake(["users", "add", "admin", "--role", "admin"], { env: { INTAKE_PASSWORD: PASSWORD } })).code).toBe(0);
  urlhausCopy = path.join(ws.dir, "urlhaus.csv");
  fs.copyFileSync(path.join(FEEDS, "urlhaus.csv"), urlhausCopy);
  expect((await ws.intake(["feeds", "add", "urlhaus", "--format", "urlhaus", "--source", urlhausCopy])).code).toBe(0);
  const refreshed = await ws.intake(["feeds", "refresh", "urlhaus"]);
  expect(refreshed.code, refreshed.stderr).toBe(0);
  session = await consoleSession(ws, ["--no-scheduler"]);
}, 120_000);

afterAll(async () => {
  await session?.close();
});

describe("the Feeds page in a real browser", () => {
  it("lists, adds and refreshes feeds, and shows a broken file's error with the indicators kept", async () => {
    const page = await session.signedIn("admin", PASSWORD, "en-US");
    await page.locator('nav a[href="/feeds"]').click();
    await page.getByRole("heading", { name: "Threat-intel feeds" }).waitFor();
    const urlhaus = page.locator('tr[data-feed="urlhaus"]');
    await expect.poll(() => urlhaus.textContent()).toContain(urlhausCopy);
    expect(await urlhaus.locator("td").nth(4).textContent()).toBe("3");

    await page.getByLabel("Name").fill("openphish");
    await page.getByLabel("Format").selectOption("openphish");
    await page.getByLabel("File, MISP folder or https URL").fill(path.join(FEEDS, "openphish.txt"));
    await page.getByRole("button", { name: "Add feed" }).click();
    const openphish = page.locator('tr[data-feed="openphish"]');
    await expect.poll(() => openphish.textContent()).toContain("never");
    await openphish.getByRole("button", { name: "Refresh now" }).click();
    await expect.poll(() => openphish.locator("td").nth(4).textContent(), { timeout: 30_000 }).toBe("2");
    await shot(page, "1-list-en");

    fs.copyFileSync(path.join(FEEDS, "urlhaus-broken.csv"), urlhausCopy);
    await urlhaus.getByRole("button", { name: "Refresh now" }).click();
    await expect
      .poll(() => urlhaus.locator("td").nth(6).textContent(), { timeout: 30_000 })
      .toContain("line 3: 4 fields, the header names 9");
    expect(await urlhaus.locator("td").nth(4).textContent()).toBe("3");
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("FEED_REFRESH");
    await shot(page, "2-broken-en");
    expect(session.cspViolations).toEqual([]);
  }, 120_000);

  it("speaks Korean", async () => {
    const page = await session.signedIn("admin", PASSWORD, "ko-KR");
    await page.goto(`${session.base}/feeds`);
    await page.getByRole("heading", { name: "위협 인텔리전스 피드" }).waitFor();
    await expect.poll(() => page.locator("thead").textContent()).toContain("마지막 오류");
    expect(await page.locator('tr[data-feed="urlhaus"]').getByRole("button").textContent()).toBe("지금 갱신");
    await shot(page, "3-list-ko");
  }, 60_000);
});
