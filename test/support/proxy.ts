// A real HTTP CONNECT proxy (tinyproxy, from Debian's packages) on a free loopback port.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "./dovecot.js";

export interface Proxy {
  port: number;
  /** What the proxy logged (CONNECT lines show that traffic went through it). */
  log(): string;
  stop(): void;
}

export async function startTinyproxy(options: { user?: string; password?: string } = {}): Promise<Proxy> {
  if (!fs.existsSync("/usr/bin/tinyproxy"))
    throw new Error("tinyproxy is not installed: apt-get install tinyproxy (the README's test command does it)");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "intake-proxy-"));
  fs.chmodSync(dir, 0o777);
  const port = await freePort();
  const logFile = path.join(dir, "proxy.log");
  const pidFile = path.join(dir, "proxy.pid");
  const root = process.getuid?.() === 0;
  fs.writeFileSync(
    path.join(dir, "tinyproxy.conf"),
    [
      `Port ${port}`,
      "Listen 127.0.0.1",
      "Timeout 60",
      `LogFile "${logFile}"`,
      "LogLevel Connect",
      `PidFile "${pidFile}"`,
      "Allow 127.0.0.1",
      // No ConnectPort line: CONNECT is allowed to any port (the test's IMAPS port is random).
      ...(root ? ["User nobody", "Group nogroup"] : []),
      ...(options.user ? [`BasicAuth ${options.user} ${options.password ?? ""}`] : []),
      "",
    ].join("\n"),
  );
  execFileSync("/usr/bin/tinyproxy", ["-c", path.join(dir, "tinyproxy.conf")], { stdio: "ignore" });
  for (let i = 0; i < 100 && !fs.existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
  return {
    port,
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : ""),
    stop() {
      try {
        process.kill(Number(fs.readFileSync(pidFile, "utf8")), "SIGTERM");
      } catch {
        /* gone */
      }
    },
  };
}
