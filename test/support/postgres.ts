// A real PostgreSQL for the tests: initdb into a temp folder, started on a free loopback port.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "./dovecot.js";

export interface Postgres {
  port: number;
  /** A fresh database on this server: its postgres:// URL. */
  createDatabase(name: string): string;
  /** Stops the server (fast shutdown: sessions ended), waits `downMs`, and starts it again on the same port. */
  restart(downMs: number): Promise<void>;
  stop(): void;
}

function binDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) if (fs.existsSync(path.join(root, version, "bin", "initdb"))) return path.join(root, version, "bin");
  throw new Error("PostgreSQL is not installed: apt-get install postgresql (the README's test command does it)");
}

export async function startPostgres(): Promise<Postgres> {
  const bin = binDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "intake-pg-"));
  fs.chmodSync(dir, 0o777);
  const data = path.join(dir, "data");
  const root = process.getuid?.() === 0;
  // PostgreSQL refuses to run as root: as root, the server runs as the Debian package's user "postgres".
  const asUser = (command: string, args: string[]) =>
    root
      ? execFileSync("runuser", ["-u", "postgres", "--", command, ...args], { stdio: "ignore" })
      : execFileSync(command, args, { stdio: "ignore" });
  asUser(path.join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  const start = () =>
    asUser(path.join(bin, "pg_ctl"), [
      "-D",
      data,
      "-w",
      "-l",
      path.join(dir, "log"),
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      "start",
    ]);
  start();
  return {
    port,
    createDatabase(name) {
      const result = spawnSync("psql", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-c", `CREATE DATABASE "${name}"`], {
        encoding: "utf8",
      });
      if (result.status !== 0) throw new Error(`cannot create database ${name}: ${result.stderr}`);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async restart(downMs) {
      asUser(path.join(bin, "pg_ctl"), ["-D", data, "-m", "fast", "-w", "stop"]);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      start();
    },
    stop() {
      try {
        asUser(path.join(bin, "pg_ctl"), ["-D", data, "-m", "fast", "stop"]);
      } catch {
        /* already stopped */
      }
    },
  };
}
