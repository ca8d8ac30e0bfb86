// One console under test for a file of browser tests: `intake serve`, Debian's Chromium, and pages signed in.
import type { Browser, Page } from "playwright-core";
import { expect } from "vitest";
import { launchChromium, newConsolePage, signIn, startConsole, type Console } from "./console.js";
import type { Workspace } from "./cli.js";

export interface Viewport {
  width: number;
  height: number;
}

export interface ConsoleSession {
  app: Console;
  base: string;
  browser: Browser;
  /** Content-Security-Policy violations any page of the session reported (any is a defect). */
  cspViolations: string[];
  /** A page in a browser context of its own, in this language, not signed in. */
  page(locale: string, viewport?: Viewport): Promise<Page>;
  /** A page in a browser context of its own, signed in as this user through the sign-in form. */
  signedIn(user: string, password: string, locale: string, viewport?: Viewport): Promise<Page>;
  /** Closes the browser, then stops `intake serve`. */
  close(): Promise<void>;
}

/** Starts `intake serve` in the workspace (its users already added) and Chromium beside it. */
export async function consoleSession(ws: Workspace, serveArgs: string[] = []): Promise<ConsoleSession> {
  const app = await startConsole(ws, serveArgs);
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (error) {
    await app.stop();
    throw error;
  }
  const cspViolations: string[] = [];
  const page = (locale: string, viewport?: Viewport) => newConsolePage(browser, locale, cspViolations, viewport);
  return {
    app,
    base: app.base,
    browser,
    cspViolations,
    page,
    signedIn: async (user, password, locale, viewport) => {
      const signedIn = await page(locale, viewport);
      await signIn(signedIn, app.base, user, password);
      return signedIn;
    },
    close: async () => {
      await browser.close();
      await app.stop();
    },
  };
}

/** Adds the user "admin" (role admin, this password) through `intake users add`, then starts the session. */
export async function adminConsoleSession(ws: Workspace, password: string, serveArgs: string[] = []): Promise<ConsoleSession> {
  const added = await ws.intake(["users", "add", "admin", "--role", "admin"], { env: { INTAKE_PASSWORD: password } });
  expect(added.code, added.stderr).toBe(0);
  return consoleSession(ws, serveArgs);
}
