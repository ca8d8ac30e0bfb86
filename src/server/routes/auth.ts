// Sign-in, sign-out and "who am I".
import { setTimeout as sleep } from "node:timers/promises";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Store } from "../../platform/store/index.js";
import { checkCredentials, deleteSession, findSession, type User } from "../../platform/users/index.js";
import { LoginFailed, RateLimited } from "../../platform/errors.js";
import { openSession, SESSION_COOKIE, sessionCookie } from "../auth.js";
import { errorSchema, errors } from "../schemas.js";
import type { SignInThrottle } from "../sign-in-limits.js";

type Guard = (request: FastifyRequest) => Promise<void>;

const userSchema = {
  type: "object",
  properties: { name: { type: "string" }, role: { type: "string", enum: ["admin", "analyst"] } },
} as const;
export const sessionSchema = { type: "object", properties: { user: userSchema, csrfToken: { type: "string" } } } as const;

export function registerAuthRoutes(api: FastifyInstance, store: Store, session: Guard, throttle: SignInThrottle): void {
  api.post<{ Body: { username: string; password: string } }>(
    "/login",
    {
      schema: {
        tags: ["session"],
        summary: "Sign in: sets the session cookie and returns the CSRF token; 429 (Retry-After) once an address has failed too often",
        security: [],
        body: {
          type: "object",
          properties: {
            username: { type: "string", minLength: 1, maxLength: 64 },
            password: { type: "string", minLength: 1, maxLength: 1024 },
          },
          required: ["username", "password"],
          additionalProperties: false,
        },
        response: { 200: sessionSchema, 400: errors[400], 401: errors[401], 429: errorSchema },
      },
    },
    async (request, reply) => {
      const started = throttle.begin(request.ip, request.body.username);
      if ("retryAfterSeconds" in started) {
        reply.header("Retry-After", String(started.retryAfterSeconds));
        throw new RateLimited(`too many failed sign-ins from this address: try again in ${started.retryAfterSeconds} s`);
      }
      let user: User | undefined;
      try {
        // The name's delay after repeated failures: it slows a guesser, never refuses the real user.
        if (started.attempt.delayMs > 0) await sleep(started.attempt.delayMs);
        user = await checkCredentials(store, request.body.username, request.body.password);
      } finally {
        started.attempt.end(user !== undefined);
      }
      if (!user) throw new LoginFailed();
      return openSession(store, request, reply, user);
    },
  );

  api.post(
    "/logout",
    {
      onRequest: session,
      schema: {
        tags: ["session"],
        summary: "Sign out",
        response: { 200: { type: "object", properties: { ok: { type: "boolean" } } }, ...errors },
      },
    },
    async (request, reply) => {
      const token = request.cookies[SESSION_COOKIE];
      if (token) await deleteSession(store, token);
      reply.clearCookie(SESSION_COOKIE, sessionCookie(request));
      return { ok: true };
    },
  );

  api.get(
    "/session",
    {
      onRequest: session,
      schema: { tags: ["session"], summary: "The signed-in user and the CSRF token", response: { 200: sessionSchema, ...errors } },
    },
    async (request) => {
      const token = request.cookies[SESSION_COOKIE]!;
      const found = await findSession(store, token);
      return { user: { name: request.user!.name, role: request.user!.role }, csrfToken: found!.csrfToken };
    },
  );
}
