// Liveness and readiness: the database answers and its schema is the one this build knows. `intake serve`
// answers it on GET /api/health; `intake worker --health-port N` on a small server of its own (serveHealth).
import http from "node:http";
import { DatabaseUnreachable, NotFound, SchemaBehind, SchemaNewer, type IntakeError } from "../platform/errors.js";
import { pingDatabase, storeSchemaState, type Store } from "../platform/store/index.js";

/** A health check waits this long for the database, then says it does not answer (a load balancer's probe waits less). */
export const HEALTH_TIMEOUT_MS = 5_000;

export type Health =
  | { ok: true; database: "reachable"; schema: "current" }
  | {
      ok: false;
      database: "reachable" | "unreachable";
      schema: "current" | "behind" | "newer" | "unknown";
      error: { code: string; message: string };
    };

function failure(database: "reachable" | "unreachable", schema: "behind" | "newer" | "unknown", error: IntakeError): Health {
  return { ok: false, database, schema, error: error.toJSON() };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Where a health check writes why the database did not answer: the server's own log, never the answer. */
export type HealthLog = (message: string) => void;
const toStderr: HealthLog = (message) => process.stderr.write(`${message}\n`);

/**
 * The database queried once and the migrations it ran compared with this build's. Never throws. The
 * driver's error (addresses, user names, paths) goes to `log`; anyone may probe, so the answer is fixed.
 */
export async function checkHealth(store: Store, timeoutMs = HEALTH_TIMEOUT_MS, log: HealthLog = toStderr): Promise<Health> {
  const unreachable = (error: unknown) => {
    log(`health: the database does not answer: ${(error as Error)?.message || String(error)}`);
    return failure("unreachable", "unknown", new DatabaseUnreachable());
  };
  try {
    await withTimeout(pingDatabase(store), timeoutMs);
  } catch (error) {
    return unreachable(error);
  }
  let state: Awaited<ReturnType<typeof storeSchemaState>>;
  try {
    state = await withTimeout(storeSchemaState(store), timeoutMs);
  } catch (error) {
    return unreachable(error);
  }
  if (state.unknown.length) return failure("reachable", "newer", new SchemaNewer(state.unknown.join(", ")));
  if (state.pending.length) return failure("reachable", "behind", new SchemaBehind(state.pending.join(", ")));
  return { ok: true, database: "reachable", schema: "current" };
}

/** The answer's JSON schema (validation of nothing, the OpenAPI document's description). */
export const healthSchema = {
  type: "object",
  properties: {
    ok: { type: "boolean" },
    database: { type: "string", enum: ["reachable", "unreachable"] },
    schema: { type: "string", enum: ["current", "behind", "newer", "unknown"] },
    error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" } }, required: ["code", "message"] },
    /** How integration code is confined here: bubblewrap's namespaces, or the Node permission model alone (runner/namespace.ts). */
    sandbox: { type: "string", enum: ["namespaces", "permission-model"] },
  },
  required: ["ok", "database", "schema"],
} as const;

/** 200 when healthy, 503 otherwise: what a load balancer or an orchestrator's probe reads. */
export function healthStatus(health: Health): 200 | 503 {
  return health.ok ? 200 : 503;
}

/**
 * A standalone health server (node:http, no framework): GET /health and /api/health answer checkHealth;
 * anything else is 404. `host` defaults to loopback (`intake worker --health-host` opens it to a probe
 * from another machine); the answer holds nothing but the state and its reason.
 */
export async function serveHealth(
  port: number,
  store: Store,
  host = "127.0.0.1",
  log: HealthLog = toStderr,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? "").split("?")[0];
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
      response.end(request.method === "HEAD" ? undefined : JSON.stringify(body));
    };
    if ((request.method !== "GET" && request.method !== "HEAD") || (path !== "/health" && path !== "/api/health")) {
      send(404, { error: new NotFound(request.method ?? "", path ?? "").toJSON() });
      return;
    }
    void checkHealth(store, HEALTH_TIMEOUT_MS, log).then((health) => send(healthStatus(health), health));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
