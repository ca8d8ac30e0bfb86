// Intake runs on Node 20 (package.json's engines): every package installed must say it runs there too.
// (A package that declares a later Node may use what Node 20 lacks in any release: cookie 2 declares
// Node 22, and is kept out by the versions pinned in package.json.)
import fs from "node:fs";
import path from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/cli.js";

const NODE_20 = ">=20.0.0 <21.0.0";

/** The packages of a package-lock.json whose declared Node versions leave out every Node 20. */
function packagesBeyondNode20(lockFile: string): string[] {
  const lock = JSON.parse(fs.readFileSync(lockFile, "utf8")) as { packages: Record<string, { engines?: { node?: string } | string[] }> };
  return Object.entries(lock.packages).flatMap(([where, entry]) => {
    const range = !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
    return where && range && !semver.intersects(range, NODE_20) ? [`${where.replace(/^.*node_modules\//, "")} (node ${range})`] : [];
  });
}

describe("dependencies and Node 20", () => {
  it("the project itself says Node 20", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { engines: { node: string } };
    expect(semver.intersects(pkg.engines.node, NODE_20)).toBe(true);
  });

  it("no installed package declares a Node later than 20", () => {
    expect(packagesBeyondNode20(path.join(PROJECT_ROOT, "package-lock.json"))).toEqual([]);
  });
});
