// `intake users add|list` through the built CLI: passwords from INTAKE_PASSWORD, roles checked, updates.
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { makeWorkspace } from "./support/cli.js";

describe("intake users", () => {
  it("adds a user with the password from INTAKE_PASSWORD, stored only as a scrypt hash", async () => {
    const ws = makeWorkspace();
    const added = await ws.intake(["users", "add", "alice", "--role", "admin"], { env: { INTAKE_PASSWORD: "a long passphrase" } });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain("created user alice (admin)");
    const db = new Database(ws.db, { readonly: true });
    const row = db.prepare("select role, password_hash from users where name = 'alice'").get() as { role: string; password_hash: string };
    db.close();
    expect(row.role).toBe("admin");
    expect(row.password_hash).toMatch(/^scrypt\$/);
    expect(row.password_hash).not.toContain("a long passphrase");
    const list = await ws.intake(["users", "list"]);
    expect(list.stdout).toMatch(/alice\s+admin/);
  });

  it("updates the role and password of an existing user", async () => {
    const ws = makeWorkspace();
    await ws.intake(["users", "add", "bob", "--role", "analyst"], { env: { INTAKE_PASSWORD: "first password" } });
    const updated = await ws.intake(["users", "add", "bob", "--role", "admin"], { env: { INTAKE_PASSWORD: "second password" } });
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stdout).toContain("updated user bob (admin)");
  });

  it("refuses a missing password without a terminal, an unknown role and a short password, with one clear line", async () => {
    const ws = makeWorkspace();
    const noPassword = await ws.intake(["users", "add", "carol", "--role", "analyst"], { env: { INTAKE_PASSWORD: "" } });
    expect(noPassword.code).not.toBe(0);
    expect(noPassword.stderr.trim()).toBe("USER_PASSWORD: set the password in INTAKE_PASSWORD (no terminal to ask on)");
    const badRole = await ws.intake(["users", "add", "carol", "--role", "root"], { env: { INTAKE_PASSWORD: "long enough" } });
    expect(badRole.stderr.trim()).toBe('USER_ROLE: role "root": use admin or analyst');
    const short = await ws.intake(["users", "add", "carol", "--role", "analyst"], { env: { INTAKE_PASSWORD: "short" } });
    expect(short.stderr.trim()).toBe("USER_PASSWORD: the password must have at least 8 characters");
    const badName = await ws.intake(["users", "add", "<b>", "--role", "analyst"], { env: { INTAKE_PASSWORD: "long enough" } });
    expect(badName.stderr).toMatch(/^USER_NAME: /);
  });
});
