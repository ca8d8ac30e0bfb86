// The HTTP server of `intake serve`: the /api routes (schemas → validation and OpenAPI) and the console's files.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Fastify, { type FastifyInstance } from "fastify";
import cookie from "@fastify/cookie";
import fastifyStatic from "@fastify/static";
import swagger from "@fastify/swagger";
import { IntakeError } from "../sdk/errors.js";
import type { Scheduler } from "../platform/scheduler/index.js";
import type { Store } from "../platform/store/index.js";
import { HttpError, requireSession } from "./auth.js";
import type { SetupLink } from "./first-run.js";
import { registerAuthRoutes } from "./routes/auth.js";
import { registerCaseRoutes } from "./routes/cases.js";
import { registerConnectorRoutes } from "./routes/connectors.js";
import { registerIdeRoutes } from "./routes/ide.js";
import { registerOverviewRoutes } from "./routes/overview.js";
import { registerSetupRoutes, setupOpen } from "./routes/setup.js";
import { DEFAULT_SIGN_IN_LIMITS, SignInThrottle, type SignInLimits } from "./sign-in-limits.js";

/** dist/src/server → dist/web (the console built by vite). */
export const WEB_DIR = fileURLToPath(new URL("../../web/", import.meta.url));

export interface ServerOptions {
  store: Store;
  scheduler?: Scheduler;
  webDir?: string;
  logger?: boolean;
  /** Sign-in throttling (tests shorten the delays). */
  signInLimits?: Partial<SignInLimits>;
  /** The reverse proxy whose X-Forwarded-For and X-Forwarded-Proto are believed: addresses or CIDRs, comma-separated. */
  trustProxy?: string;
  /** While no user exists: the one-time link that creates the first admin. */
  setupLink?: SetupLink;
}

/** No inline script or style from anyone, no framing, nothing loaded from elsewhere. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join("; ");

const NOT_FOUND = /_UNKNOWN$|NOT_FOUND$/;

function statusOf(error: IntakeError): number {
  if (NOT_FOUND.test(error.code)) return 404;
  if (error.code === "RUN_IN_PROGRESS") return 409;
  if (/^(PARAM_|CONNECTOR_NAME|CONNECTOR_AMBIGUOUS|USER_|CASE_)/.test(error.code)) return 400;
  return 500;
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { store } = options;
  const app = Fastify({
    logger: options.logger ? { level: "info" } : false,
    bodyLimit: 1024 * 1024,
    trustProxy: options.trustProxy ?? false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: "array", allErrors: false, allowUnionTypes: true } },
  });

  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      info: { title: "Intake API", version: "1", description: "Cases, connectors and runs of an Intake server. Sign in with POST /api/login; send the returned csrfToken as the X-CSRF-Token header on every POST, PUT and DELETE." },
      components: { securitySchemes: { session: { type: "apiKey", in: "cookie", name: "intake_session" } } },
      security: [{ session: [] }],
    },
  });

  app.addHook("onSend", async (_request, reply, payload) => {
    if (!reply.hasHeader("Content-Security-Policy")) reply.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    reply.header("X-Content-Type-Options", "nosniff");
    reply.header("X-Frame-Options", "DENY");
    reply.header("Referrer-Policy", "no-referrer");
    reply.header("Cross-Origin-Opener-Policy", "same-origin");
    return payload;
  });

  app.setErrorHandler((error, request, reply) => {
    const err = error as Error & { validation?: unknown; statusCode?: number; code?: string };
    if (err.validation) return reply.status(400).send({ error: { code: "VALIDATION", message: err.message } });
    if (err instanceof HttpError) return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message } });
    if (err instanceof IntakeError) return reply.status(statusOf(err)).send({ error: { code: err.code, message: err.message } });
    if (err.statusCode && err.statusCode < 500) return reply.status(err.statusCode).send({ error: { code: err.code ?? "BAD_REQUEST", message: err.message } });
    request.log.error(err);
    return reply.status(500).send({ error: { code: "INTERNAL", message: "internal error (see the server's log)" } });
  });

  const session = requireSession(store);
  await app.register(async (api) => {
    registerAuthRoutes(api, store, session, new SignInThrottle({ ...DEFAULT_SIGN_IN_LIMITS, ...options.signInLimits }));
    registerSetupRoutes(api, store, options.setupLink);
    registerCaseRoutes(api, store, session);
    registerOverviewRoutes(api, store, session);
    registerConnectorRoutes(api, store, session, options.scheduler);
    registerIdeRoutes(api, store, session, options.scheduler);
    api.get("/openapi.json", { onRequest: session, schema: { hide: true } }, async () => app.swagger());
    api.all("/*", { schema: { hide: true } }, async () => {
      throw new HttpError(404, "NOT_FOUND", "no such API route");
    });
  }, { prefix: "/api" });

  const webDir = options.webDir ?? WEB_DIR;
  if (fs.existsSync(path.join(webDir, "index.html"))) {
    await app.register(fastifyStatic, { root: webDir, index: "index.html", wildcard: false });
    // The first-run page, only while its link can still create the first admin.
    app.get<{ Querystring: { token?: string } }>("/setup", async (request, reply) => {
      const open = await setupOpen(store, options.setupLink, request.query.token);
      return reply.status(open ? 200 : 404).type("text/html").sendFile("index.html");
    });
    // The console is one page: its own paths (/cases/12) get index.html.
    app.setNotFoundHandler((request, reply) => {
      if (request.method === "GET" && !request.url.startsWith("/api/")) return reply.type("text/html").sendFile("index.html");
      return reply.status(404).send({ error: { code: "NOT_FOUND", message: "not found" } });
    });
  } else {
    app.get("/", async (_request, reply) => reply.type("text/plain").send("The console is not built: run npm run build.\n"));
  }
  return app;
}
