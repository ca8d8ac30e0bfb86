// First run: while no user exists, the one-time link `intake serve` printed creates the first admin; then these routes are gone.
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Store } from "../../platform/store/index.js";
import { checkUser, createFirstAdmin, hasUsers, type User } from "../../platform/users/index.js";
import { SetupLinkRefused } from "../../platform/errors.js";
import { openSession } from "../auth.js";
import type { SetupLink } from "../first-run.js";
import { errors, routeNotFound } from "../schemas.js";
import { sessionSchema } from "./auth.js";

/** True while `token` can still create the first admin. */
export async function setupOpen(store: Store, link: SetupLink | undefined, token: unknown): Promise<boolean> {
  if (!link?.accepts(token)) return false;
  return !(await hasUsers(store));
}

export function registerSetupRoutes(api: FastifyInstance, store: Store, link: SetupLink | undefined): void {
  // Before the body is read: once a user exists nothing of the request is looked at.
  // Once a user exists, the setup routes answer exactly as a route that does not exist.
  const whileNoUser = async (request: FastifyRequest) => {
    if (!link || (await hasUsers(store))) throw routeNotFound(request);
  };
  const linkRefused = () => new SetupLinkRefused();

  api.get(
    "/first-run",
    {
      schema: {
        tags: ["session"],
        summary: "Whether no user exists yet (the sign-in page then tells how to get the setup link)",
        security: [],
        response: { 200: { type: "object", properties: { firstRun: { type: "boolean" } } } },
      },
    },
    async () => ({ firstRun: !(await hasUsers(store)) }),
  );

  api.get<{ Querystring: { token?: string } }>(
    "/setup",
    {
      onRequest: whileNoUser,
      schema: {
        tags: ["session"],
        summary: "Whether this setup link can still create the first admin (404 once any user exists)",
        security: [],
        querystring: { type: "object", properties: { token: { type: "string", maxLength: 200 } } },
        response: { 200: { type: "object", properties: { valid: { type: "boolean" } } }, ...errors },
      },
    },
    async (request) => {
      if (!(await setupOpen(store, link, request.query.token))) throw linkRefused();
      return { valid: true };
    },
  );

  api.post<{ Body: { token: string; username: string; password: string } }>(
    "/setup",
    {
      onRequest: whileNoUser,
      schema: {
        tags: ["session"],
        summary: "Creates the first admin with the setup link's token and signs them in (404 once any user exists)",
        security: [],
        body: {
          type: "object",
          properties: {
            token: { type: "string", maxLength: 200 },
            username: { type: "string", minLength: 1, maxLength: 64 },
            password: { type: "string", minLength: 1, maxLength: 1024 },
          },
          required: ["token", "username", "password"],
          additionalProperties: false,
        },
        response: { 200: sessionSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { token, username, password } = request.body;
      // A name or password that would be refused keeps the link for the next try.
      checkUser(username, "admin", password);
      if (!link!.claim(token)) throw linkRefused();
      let user: User | undefined;
      try {
        user = await createFirstAdmin(store, username, password);
      } finally {
        // Created: the link stays claimed, used. Not created (a user appeared, an error): given back,
        // and refused by whileNoUser from now on when a user exists.
        if (!user) link!.release();
      }
      if (!user) throw routeNotFound(request);
      return openSession(store, request, reply, user);
    },
  );
}
