// Sessions on requests: the cookie, the CSRF header on state changes, and the admin check.
import crypto from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { CsrfRejected, Forbidden, Unauthenticated } from "../platform/errors.js";
import type { Store } from "../platform/store/index.js";
import { createSession, findSession, SESSION_HOURS, type User } from "../platform/users/index.js";

export const SESSION_COOKIE = "intake_session";
export const CSRF_HEADER = "x-csrf-token";

declare module "fastify" {
  interface FastifyRequest {
    user?: User;
  }
}

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && crypto.timingSafeEqual(left, right);
}

/**
 * The session cookie's attributes, the same to set it and to clear it (a browser keeps a cookie that a
 * clearing one with other attributes does not match). Secure when the request came over HTTPS: behind
 * `--trust-proxy`, when that proxy says so in X-Forwarded-Proto.
 */
export function sessionCookie(request: FastifyRequest) {
  return { path: "/", httpOnly: true, sameSite: "strict", secure: request.protocol === "https" } as const;
}

/** Signs the user in on this reply: a new session in its cookie; the answer carries the CSRF token. */
export async function openSession(
  store: Store,
  request: FastifyRequest,
  reply: FastifyReply,
  user: User,
): Promise<{ user: { name: string; role: string }; csrfToken: string }> {
  const created = await createSession(store, user);
  reply.setCookie(SESSION_COOKIE, created.token, { ...sessionCookie(request), maxAge: SESSION_HOURS * 3600 });
  return { user: { name: user.name, role: user.role }, csrfToken: created.csrfToken };
}

/**
 * onRequest hook of every /api route but sign-in and first run: 401 without a session, 403 without the
 * CSRF token, before the body is read, so that an anonymous request costs no parsing or validation.
 */
export function requireSession(store: Store) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = request.cookies[SESSION_COOKIE];
    const session = token ? await findSession(store, token) : undefined;
    if (!session) throw new Unauthenticated();
    if (STATE_CHANGING.has(request.method)) {
      const header = request.headers[CSRF_HEADER];
      if (typeof header !== "string" || !sameToken(header, session.csrfToken)) {
        throw new CsrfRejected(CSRF_HEADER);
      }
    }
    request.user = session.user;
  };
}

export async function requireAdmin(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  if (request.user?.role !== "admin") throw new Forbidden();
}
