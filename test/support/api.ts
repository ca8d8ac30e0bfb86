// The console's HTTP API in-process (fastify.inject): sign in, then call routes as that user.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { expect } from "vitest";
import { buildServer, type ServerOptions } from "../../src/server/app.js";
import { openStore, type Store } from "../../src/platform/store/index.js";
import { saveUser } from "../../src/platform/users/index.js";

export interface Session {
  cookie: string;
  csrf: string;
}

export async function signInApi(app: FastifyInstance, username: string, password: string): Promise<Session> {
  const response = await app.inject({ method: "POST", url: "/api/login", payload: { username, password } });
  expect(response.statusCode, response.body).toBe(200);
  const cookie = response.cookies.find((c) => c.name === "intake_session")!;
  return { cookie: `intake_session=${cookie.value}`, csrf: response.json().csrfToken };
}

/** A request with the session's cookie and, on a change, its CSRF header (unless `csrf` is false); no session: anonymous. */
export function requestAs(
  app: FastifyInstance,
  session: Session | undefined,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  url: string,
  payload?: unknown,
  csrf = true,
): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = {};
  if (session) {
    headers.cookie = session.cookie;
    if (method !== "GET" && csrf) headers["x-csrf-token"] = session.csrf;
  }
  return app.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
}

export interface ApiFixture {
  dir: string;
  store: Store;
  app: FastifyInstance;
  admin: Session;
  analyst: Session;
  close(): Promise<void>;
}

/**
 * A server on a fresh SQLite file (or `database`, a workspace's, with its folder) in its own INTAKE_HOME,
 * with an admin "ada" and an analyst "bob" signed in (passwords admin-password-1 / analyst-password-1).
 */
export async function startApi(
  prefix: string,
  { database, ...options }: Omit<ServerOptions, "store"> & { database?: string } = {},
): Promise<ApiFixture> {
  const dir = database ? path.dirname(database) : fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.env.INTAKE_HOME = dir;
  const store = await openStore(database ?? path.join(dir, "intake.db"));
  await saveUser(store, "ada", "admin", "admin-password-1");
  await saveUser(store, "bob", "analyst", "analyst-password-1");
  const app = await buildServer({ store, webDir: path.join(dir, "no-web"), ...options });
  return {
    dir,
    store,
    app,
    admin: await signInApi(app, "ada", "admin-password-1"),
    analyst: await signInApi(app, "bob", "analyst-password-1"),
    async close() {
      await app.close();
      await store.close();
      delete process.env.INTAKE_HOME;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
