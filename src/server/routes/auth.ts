// Sign-in, sign-out and "who am I".
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Store } from "../../platform/store/index.js";
import { checkCredentials, createSession, deleteSession, findSession, SESSION_HOURS } from "../../platform/users/index.js";
import { LoginFailed, RateLimited } from "../../platform/errors.js";
import { SESSION_COOKIE } from "../auth.js";
import { errors } from "../schemas.js";

type Guard = (request: FastifyRequest) => Promise<void>;

const userSchema = { type: "object", properties: { name: { type: "string" }, role: { type: "string", enum: ["admin", "analyst"] } } } as const;
const sessionSchema = { type: "object", properties: { user: userSchema, csrfToken: { type: "string" } } } as const;

export function registerAuthRoutes(api: FastifyInstance, store: Store, session: Guard, loginPerMinute: number): void {
  api.post<{ Body: { username: string; password: string } }>("/login", {
    config: {
      rateLimit: {
        max: loginPerMinute,
        timeWindow: "1 minute",
        hook: "preHandler",
        // Per address and user name: a guesser is slowed, other users are not locked out.
        keyGenerator: (request: FastifyRequest) => `${request.ip}|${String((request.body as { username?: unknown } | undefined)?.username ?? "").toLowerCase()}`,
        errorResponseBuilder: (_request: FastifyRequest, context: { after: string }) => new RateLimited(`too many sign-in attempts: try again in ${context.after}`),
      },
    },
    schema: {
      tags: ["session"],
      summary: "Sign in: sets the session cookie and returns the CSRF token",
      security: [],
      body: {
        type: "object",
        properties: { username: { type: "string", minLength: 1, maxLength: 64 }, password: { type: "string", minLength: 1, maxLength: 1024 } },
        required: ["username", "password"],
        additionalProperties: false,
      },
      response: { 200: sessionSchema, 400: errors[400], 401: errors[401] },
    },
  }, async (request, reply) => {
    const user = await checkCredentials(store, request.body.username, request.body.password);
    if (!user) throw new LoginFailed();
    const created = await createSession(store, user);
    reply.setCookie(SESSION_COOKIE, created.token, {
      path: "/", httpOnly: true, sameSite: "strict", secure: request.protocol === "https", maxAge: SESSION_HOURS * 3600,
    });
    return { user: { name: user.name, role: user.role }, csrfToken: created.csrfToken };
  });

  api.post("/logout", { preHandler: session, schema: { tags: ["session"], summary: "Sign out", response: { 200: { type: "object", properties: { ok: { type: "boolean" } } }, ...errors } } }, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token) await deleteSession(store, token);
    reply.clearCookie(SESSION_COOKIE, { path: "/" });
    return { ok: true };
  });

  api.get("/session", { preHandler: session, schema: { tags: ["session"], summary: "The signed-in user and the CSRF token", response: { 200: sessionSchema, ...errors } } }, async (request) => {
    const token = request.cookies[SESSION_COOKIE]!;
    const found = await findSession(store, token);
    return { user: { name: request.user!.name, role: request.user!.role }, csrfToken: found!.csrfToken };
  });
}
