// The console under test: `intake serve` on a free loopback port, and Debian's Chromium through playwright-core.
import type { ChildProcess } from "node:child_process";
import { chromium, type Browser, type Page } from "playwright-core";
import { freePort } from "./dovecot.js";
import type { Workspace } from "./cli.js";

export interface Console {
  base: string;
  process: ChildProcess;
  /** What it printed so far, stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `intake serve` in the workspace and resolves once it listens. */
export async function startConsole(ws: Workspace, args: string[] = []): Promise<Console> {
  const port = await freePort();
  const serve = ws.spawnIntake(["serve", "--port", String(port), ...args]);
  let output = "";
  const keep = (chunk: Buffer) => (output += chunk.toString());
  serve.stdout!.on("data", keep);
  serve.stderr!.on("data", keep);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`intake serve did not start: ${output}`)), 30_000);
    const onData = () => {
      if (output.includes("listening on")) {
        clearTimeout(timer);
        resolve();
      }
    };
    serve.stdout!.on("data", onData);
    serve.stderr!.on("data", onData);
    serve.once("exit", (code) => reject(new Error(`intake serve exited ${code}: ${output}`)));
  });
  return {
    base: `http://127.0.0.1:${port}`,
    process: serve,
    output: () => output,
    stop: async () => {
      if (serve.exitCode !== null) return;
      const exited = new Promise((resolve) => serve.once("exit", resolve));
      serve.kill("SIGTERM");
      await exited;
    },
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * A page that records Content-Security-Policy violations (any is a defect) and dismisses any dialog
 * (an alert() from injected script must not block the test, and is caught by other checks).
 */
export async function newConsolePage(
  browser: Browser,
  locale: string,
  cspViolations: string[],
  viewport = { width: 1360, height: 900 },
): Promise<Page> {
  const context = await browser.newContext({ locale, viewport });
  const page = await context.newPage();
  page.on("dialog", (dialog) => void dialog.dismiss());
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) cspViolations.push(message.text());
  });
  return page;
}

/** Signs in through the form, in whatever language the page speaks. */
export async function signIn(page: Page, base: string, user: string, password: string): Promise<void> {
  await page.goto(base);
  await page.locator("#username").fill(user);
  await page.locator("#password").fill(password);
  await page.locator("#password").press("Enter");
  await page.locator('nav a[href="/cases"]').first().waitFor();
}
