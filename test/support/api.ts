// The console's HTTP API in-process (fastify.inject): sign in, then call routes as that user.
import type { FastifyInstance } from "fastify";
import { expect } from "vitest";

export interface Session { cookie: string; csrf: string }

export async function signInApi(app: FastifyInstance, username: string, password: string): Promise<Session> {
  const response = await app.inject({ method: "POST", url: "/api/login", payload: { username, password } });
  expect(response.statusCode, response.body).toBe(200);
  const cookie = response.cookies.find((c) => c.name === "intake_session")!;
  return { cookie: `intake_session=${cookie.value}`, csrf: response.json().csrfToken };
}

/** A request with the session's cookie and, on a change, its CSRF header (unless `csrf` is false); no session: anonymous. */
export function requestAs(app: FastifyInstance, session: Session | undefined, method: "GET" | "POST" | "PUT" | "DELETE", url: string, payload?: unknown, csrf = true) {
  const headers: Record<string, string> = {};
  if (session) {
    headers.cookie = session.cookie;
    if (method !== "GET" && csrf) headers["x-csrf-token"] = session.csrf;
  }
  return app.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
}
