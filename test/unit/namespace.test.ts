// The namespace's command line and the code's environment (src/platform/runner/namespace.ts): what is
// mounted is what the permission model lets it read, nothing of the platform's secrets is passed.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { codeEnvironment, namespaceArgs, treeResidentKb } from "../../src/platform/runner/namespace.js";

describe("a code process's namespace", () => {
  it("gives the code only the allow-listed variables of the environment", () => {
    const env = codeEnvironment({
      PATH: "/usr/bin",
      HOME: "/home/intake",
      LANG: "C.UTF-8",
      LC_ALL: "C",
      TZ: "UTC",
      NODE_EXTRA_CA_CERTS: "/ca.pem",
      HTTPS_PROXY: "http://proxy:3128",
      no_proxy: "localhost",
      PGPASSWORD: "pg",
      AWS_SECRET_ACCESS_KEY: "aws",
      INTAKE_SECRET_KEY: "key",
      NODE_OPTIONS: "--allow-fs-read=*",
      DATABASE_URL: "postgres://x",
    });
    expect(Object.keys(env).sort()).toEqual(["HOME", "HTTPS_PROXY", "LANG", "LC_ALL", "NODE_EXTRA_CA_CERTS", "PATH", "TZ", "no_proxy"]);
  });

  it("mounts the scope read-only, the spool read-write, and its own /proc, /dev and /tmp", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "intake-namespace-"));
    const spool = path.join(dir, "spool");
    const integration = path.join(dir, "integration");
    fs.mkdirSync(spool);
    fs.mkdirSync(integration);
    try {
      const args = namespaceArgs({ entries: [], readRoots: [integration], spoolDir: spool });
      for (const flag of ["--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent", "--new-session"])
        expect(args).toContain(flag);
      expect(args).not.toContain("--share-net");
      const pairs = (flag: string) => args.flatMap((arg, i) => (arg === flag ? [args[i + 1]] : []));
      expect(pairs("--ro-bind-try")).toContain(integration);
      expect(pairs("--bind")).toEqual([spool]);
      expect(pairs("--ro-bind-try")).not.toContain(dir);
      expect(pairs("--ro-bind")).toContain(fs.realpathSync(process.execPath));
      expect(pairs("--proc")).toEqual(["/proc"]);
      expect(pairs("--tmpfs")).toEqual(["/tmp"]);
      // /tmp is laid first: the spool folder under it is bound over the empty one.
      expect(args.indexOf("--tmpfs")).toBeLessThan(args.indexOf("--bind"));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("measures the resident memory of a process tree", () => {
    expect(treeResidentKb(process.pid)).toBeGreaterThan(10_000);
    expect(treeResidentKb(2 ** 22 + 1)).toBe(0);
  });
});
