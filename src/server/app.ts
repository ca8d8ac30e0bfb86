// The HTTP server of `intake serve`: the /api routes (schemas → validation and OpenAPI) and the console's files.
import fs from "node:fs";
import type { IncomingMessage } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Fastify, { type FastifyInstance } from "fastify";
import cookie from "@fastify/cookie";
import fastifyStatic from "@fastify/static";
import swagger from "@fastify/swagger";
import { BadRequest, BodyTooLarge, IntakeError, Internal, Validation } from "../platform/errors.js";
import { IdeCheckError } from "../platform/ide/index.js";
import type { Scheduler } from "../platform/scheduler/index.js";
import type { Store } from "../platform/store/index.js";
import { requireSession } from "./auth.js";
import { checkHealth, healthSchema, healthStatus } from "./health.js";
import { sandboxMode } from "../platform/runner/namespace.js";
import { apiShapeSchemas, routeNotFound } from "./schemas.js";
import type { SetupLink } from "./first-run.js";
import { registerActionRoutes } from "./routes/actions.js";
import { registerAuthRoutes } from "./routes/auth.js";
import { registerCaseRoutes } from "./routes/cases.js";
import { registerConnectorRoutes, type RunNow } from "./routes/connectors.js";
import { registerFeedRoutes } from "./routes/feeds.js";
import { registerListRoutes } from "./routes/lists.js";
import { registerIdeRoutes } from "./routes/ide.js";
import { registerOverviewRoutes } from "./routes/overview.js";
import { registerPlaybookRoutes } from "./routes/playbooks.js";
import { registerReplyRoutes } from "./routes/replies.js";
import { registerSetupRoutes, setupOpen } from "./routes/setup.js";
import { registerWorkerRoutes } from "./routes/workers.js";
import { DEFAULT_SIGN_IN_LIMITS, SignInThrottle, type SignInLimits } from "./sign-in-limits.js";

/** dist/src/server → dist/web (the console built by vite). */
export const WEB_DIR = fileURLToPath(new URL("../../web/", import.meta.url));

export interface ServerOptions {
  store: Store;
  scheduler?: Scheduler;
  /** Queue mode: Run once and Test are sent to a worker (runOnWorker) instead of run in this process. */
  runNow?: RunNow;
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
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * How long a client may take: the whole request (headers and a body of up to 1 MB) in 30 s, its headers
 * in 15 s; an idle kept-alive connection is closed after 5 s; a socket with no traffic at all after 10
 * minutes (longer than any route waits: a feed refresh, Run once). Without them, a body sent a byte a
 * second held its connection for minutes and held up shutdown.
 */
export const SERVER_TIMEOUTS = {
  requestMs: 30_000,
  headersMs: 15_000,
  keepAliveMs: 5_000,
  connectionMs: 600_000,
  checkEveryMs: 1_000,
} as const;
/** HSTS for a year once a request came over HTTPS (directly, or from the trusted proxy). */
export const STRICT_TRANSPORT_SECURITY = "max-age=31536000";

const isApiPath = (url: string) => url === "/api" || url.startsWith("/api/") || url.startsWith("/api?");

/** Any error as a code of the catalog: fastify's own (schema validation, body limit, unreadable body…) by their status. */
function asIntakeError(error: unknown): IntakeError {
  if (error instanceof IntakeError) return error;
  const err = error as { validation?: unknown; statusCode?: unknown; message?: unknown } | undefined;
  const message = typeof err?.message === "string" && err.message ? err.message : undefined;
  if (err?.validation) return new Validation(message ?? "the request does not match the route's schema");
  const status = typeof err?.statusCode === "number" ? err.statusCode : 500;
  if (status === 413) return new BodyTooLarge(message ?? "the request's body is too large");
  if (status >= 400 && status < 500) return new BadRequest(message ?? `the request was refused (HTTP ${status})`);
  return new Internal();
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { store } = options;
  const app = Fastify({
    logger: options.logger ? { level: "info" } : false,
    bodyLimit: 1024 * 1024,
    requestTimeout: SERVER_TIMEOUTS.requestMs,
    keepAliveTimeout: SERVER_TIMEOUTS.keepAliveMs,
    connectionTimeout: SERVER_TIMEOUTS.connectionMs,
    // Node checks requestTimeout and headersTimeout every connectionsCheckingInterval (30 s by default).
    http: { headersTimeout: SERVER_TIMEOUTS.headersMs, connectionsCheckingInterval: SERVER_TIMEOUTS.checkEveryMs },
    trustProxy: options.trustProxy ?? false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: "array", allErrors: false, allowUnionTypes: true } },
  });

  // Requests whose body is still arriving when the server closes are cut off: a slow sender must not hold
  // up shutdown. A request already received runs to its answer.
  const receiving = new Set<IncomingMessage>();
  app.server.on("request", (raw: IncomingMessage) => {
    if (raw.complete) return;
    receiving.add(raw);
    raw.once("close", () => receiving.delete(raw));
  });
  app.addHook("preClose", async () => {
    for (const raw of receiving) if (!raw.complete) raw.socket.destroy();
  });

  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      info: {
        title: "Intake API",
        version: "1",
        description:
          "Cases, connectors and runs of an Intake server. Sign in with POST /api/login; send the returned " +
          "csrfToken as the X-CSRF-Token header on every POST, PUT and DELETE.",
      },
      components: { securitySchemes: { session: { type: "apiKey", in: "cookie", name: "intake_session" } }, schemas: apiShapeSchemas() },
      security: [{ session: [] }],
    },
  });

  app.addHook("onSend", async (request, reply, payload) => {
    if (!reply.hasHeader("Content-Security-Policy")) reply.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    // request.protocol is "https" over TLS, or when the trusted proxy's X-Forwarded-Proto says so (no one else's).
    if (request.protocol === "https") reply.header("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY);
    // Cases, sessions and tokens must not stay in a browser's or a proxy's cache.
    if (isApiPath(request.url)) reply.header("Cache-Control", "no-store");
    reply.header("X-Content-Type-Options", "nosniff");
    reply.header("X-Frame-Options", "DENY");
    reply.header("Referrer-Policy", "no-referrer");
    reply.header("Cross-Origin-Opener-Policy", "same-origin");
    return payload;
  });

  // The one place errors become answers: the status declared with the code, the code and the message.
  app.setErrorHandler((error, request, reply) => {
    const answer = asIntakeError(error);
    if (answer.status >= 500) request.log.error(error);
    const diagnostics = answer instanceof IdeCheckError ? { diagnostics: answer.diagnostics } : {};
    return reply.status(answer.status).send({ error: answer.toJSON(), ...diagnostics });
  });

  const session = requireSession(store);
  await app.register(
    async (api) => {
      // No session: a load balancer's or an orchestrator's probe signs in to nothing.
      api.get(
        "/health",
        {
          schema: {
            tags: ["health"],
            summary:
              "Liveness and readiness: 200 when the database answers and every migration of this build has " +
              "run, 503 with the reason otherwise",
            security: [],
            response: { 200: healthSchema, 503: healthSchema },
          },
        },
        async (_request, reply) => {
          const health = await checkHealth(store);
          return reply
            .status(healthStatus(health))
            .header("cache-control", "no-store")
            .send({ ...health, sandbox: sandboxMode() });
        },
      );
      registerAuthRoutes(api, store, session, new SignInThrottle({ ...DEFAULT_SIGN_IN_LIMITS, ...options.signInLimits }));
      registerSetupRoutes(api, store, options.setupLink);
      registerCaseRoutes(api, store, session);
      registerOverviewRoutes(api, store, session);
      registerConnectorRoutes(api, store, session, options.scheduler, options.runNow);
      registerIdeRoutes(api, store, session, options.scheduler);
      registerActionRoutes(api, store, session);
      registerPlaybookRoutes(api, store, session);
      registerFeedRoutes(api, store, session);
      registerListRoutes(api, store, session);
      registerReplyRoutes(api, store, session);
      registerWorkerRoutes(api, store, session);
      api.get("/openapi.json", { onRequest: session, schema: { hide: true } }, async () => app.swagger());
      api.all("/*", { schema: { hide: true } }, async (request) => {
        throw routeNotFound(request);
      });
    },
    { prefix: "/api" },
  );

  const webDir = options.webDir ?? WEB_DIR;
  if (fs.existsSync(path.join(webDir, "index.html"))) {
    await app.register(fastifyStatic, { root: webDir, index: "index.html", wildcard: false });
    // The first-run page, only while its link can still create the first admin.
    app.get<{ Querystring: { token?: string } }>("/setup", async (request, reply) => {
      const open = await setupOpen(store, options.setupLink, request.query.token);
      return reply
        .status(open ? 200 : 404)
        .type("text/html")
        .sendFile("index.html");
    });
    // The console is one page: its own paths (/cases/12) get index.html.
    app.setNotFoundHandler((request, reply) => {
      if (request.method === "GET" && !request.url.startsWith("/api/")) return reply.type("text/html").sendFile("index.html");
      return reply.send(routeNotFound(request));
    });
  } else {
    app.get("/", async (_request, reply) => reply.type("text/plain").send("The console is not built: run npm run build.\n"));
  }
  return app;
}
