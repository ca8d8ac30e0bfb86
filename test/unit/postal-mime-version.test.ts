// The email connector changes postal-mime's internals for one version only: that version is the one
// installed and pinned everywhere it is declared, and any other is used as it is, with a warning.
import fs from "node:fs";
import path from "node:path";
import PostalMime from "postal-mime";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/cli.js";
import {
  forTest,
  POSTAL_MIME_INSTALLED,
  POSTAL_MIME_PATCHED,
  postalMimeWarning,
  preparePostalMime,
} from "../../integrations/email/lib/decode.js";

/** postal-mime's line reader, which the changes replace (not in its types). */
const lineReader = () => (PostalMime.prototype as unknown as { readLine: unknown }).readLine;
/** What the test reads of package.json, package-lock.json and integration.json. */
type Manifest = {
  dependencies: Record<"postal-mime", string>;
  packages: Record<"", { dependencies: Record<"postal-mime", string> }> & Record<"node_modules/postal-mime", { version: string }>;
};
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8")) as Manifest;

describe("postal-mime's version", () => {
  it("installed is the one the connector's changes are written for", () => {
    expect(POSTAL_MIME_INSTALLED).toBe(POSTAL_MIME_PATCHED);
    expect(postalMimeWarning()).toBeUndefined();
  });

  it("is pinned to exactly that version in package.json, its lock and the integration's dependencies", () => {
    expect(readJson("package.json").dependencies["postal-mime"]).toBe(POSTAL_MIME_PATCHED);
    const lock = readJson("package-lock.json");
    expect(lock.packages[""].dependencies["postal-mime"]).toBe(POSTAL_MIME_PATCHED);
    expect(lock.packages["node_modules/postal-mime"].version).toBe(POSTAL_MIME_PATCHED);
    expect(readJson("integrations/email/integration.json").dependencies["postal-mime"]).toBe(POSTAL_MIME_PATCHED);
  });

  it("any other is left as it is, with a warning naming both versions", async () => {
    const stock = lineReader();
    expect(await forTest.patchPostalMime("4.2.0")).toBe(false);
    expect(lineReader()).toBe(stock);
    expect(postalMimeWarning("4.2.0")).toMatch(/postal-mime 4\.2\.0 is installed.*written for 4\.0\.0.*install postal-mime@4\.0\.0/);
  });

  it("the pinned one is changed", async () => {
    const stock = lineReader();
    expect(await preparePostalMime()).toBe(true);
    expect(lineReader()).not.toBe(stock);
  });
});
