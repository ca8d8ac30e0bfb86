// The flags of a code process's sandbox: the permission flag of the running Node, reads of what it needs,
// writes to its spool folder alone, nothing else allowed; and every package the SDK imports is readable.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { integrationReadRoots, packageRoots, permissionFlag, SDK_PACKAGES, sandboxFlags } from "../../src/platform/runner/sandbox.js";

const ROOT = path.resolve(import.meta.dirname, "../..");

describe("a code process's sandbox", () => {
  it("turns the permission model on with the flag the running Node knows", () => {
    const flags = ["20.7.0", "20.20.2", "22.12.0", "22.13.0", "23.4.0", "23.5.0", "24.0.0", "v25.1.0"].map((version) =>
      permissionFlag(version),
    );
    expect(flags).toEqual([
      "--experimental-permission",
      "--experimental-permission",
      "--experimental-permission",
      "--permission",
      "--experimental-permission",
      "--permission",
      "--permission",
      "--permission",
    ]);
  });

  it("allows reads of its entry, its roots and the SDK, writes to its spool folder only, and no processes, workers or addons", () => {
    const spool = fs.mkdtempSync(path.join(os.tmpdir(), "intake-sandbox-test-"));
    try {
      const entry = path.join(ROOT, "src/platform/runner/child.ts");
      const flags = sandboxFlags({ entries: [entry], readRoots: ["/srv/integration"], spoolDir: spool }, "20.20.2");
      expect(flags[0]).toBe("--experimental-permission");
      const reads = flags.filter((flag) => flag.startsWith("--allow-fs-read=")).map((flag) => flag.slice("--allow-fs-read=".length));
      expect(reads).toEqual(
        expect.arrayContaining([entry, "/srv/integration", path.join(ROOT, "src/sdk"), path.join(ROOT, "node_modules/tldts")]),
      );
      expect(reads).not.toContain("*");
      expect(reads.some((read) => read === ROOT || read === path.join(ROOT, "node_modules"))).toBe(false);
      expect(flags.filter((flag) => flag.startsWith("--allow-fs-write="))).toEqual([`--allow-fs-write=${fs.realpathSync(spool)}`]);
      expect(flags.filter((flag) => /^--allow-(child-process|worker|addons|wasi)/.test(flag))).toEqual([]);
      expect(sandboxFlags({ entries: [], readRoots: [] }).some((flag) => flag.startsWith("--allow-fs-write"))).toBe(false);
    } finally {
      fs.rmSync(spool, { recursive: true, force: true });
    }
  });

  it("reads an integration's declared packages and the packages they depend on, resolved as Node does", () => {
    const roots = integrationReadRoots({
      dir: path.join(ROOT, "integrations/email"),
      dependencies: { imapflow: "*", "not-installed-anywhere": "*" },
    });
    expect(roots[0]).toBe(path.join(ROOT, "integrations/email"));
    // imapflow's own dependency (pino) and pino's in turn.
    expect(roots).toEqual(
      expect.arrayContaining([
        path.join(ROOT, "node_modules/imapflow"),
        path.join(ROOT, "node_modules/pino"),
        path.join(ROOT, "node_modules/sonic-boom"),
      ]),
    );
    expect(roots.some((root) => root.includes("not-installed-anywhere"))).toBe(false);
    expect(packageRoots(ROOT, [])).toEqual([]);
  });

  it("knows every package the SDK imports (an import missing here fails every connector)", () => {
    const imported = new Set<string>();
    for (const folder of ["src/sdk", "src/indicators"]) {
      for (const file of fs.readdirSync(path.join(ROOT, folder)).filter((name) => name.endsWith(".ts"))) {
        const source = fs.readFileSync(path.join(ROOT, folder, file), "utf8");
        // import … from "x", import("x"), require("x") and createRequire(…)("x").
        for (const [, name] of source.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|\)\s*\(\s*)"([^".][^"]*)"/g)) {
          if (!name!.startsWith("node:") && name !== "intake/sdk")
            imported.add(name!.startsWith("@") ? name!.split("/").slice(0, 2).join("/") : name!.split("/")[0]!);
        }
      }
    }
    expect([...imported].sort()).toEqual([...SDK_PACKAGES].sort());
  });
});
