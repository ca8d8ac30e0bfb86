// Sessions on requests: the cookie, the CSRF header on state changes, and the admin check.
import crypto from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { CsrfRejected, Forbidden, Unauthenticated } from "../platform/errors.js";
import type { Store } from "../platform/store/index.js";
import { findSession, type User } from "../platform/users/index.js";

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

/** preHandler for every /api route but sign-in: 401 without a session, 403 without the CSRF token. */
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
