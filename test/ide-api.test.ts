// The IDE's HTTP API through fastify.inject: admin only, CSRF, validation naming the field, a failed save that
// keeps the working version and returns problems by line, versions with the code for a diff.
import os from "node:os";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestAs, startApi, type ApiFixture, type Session } from "./support/api.js";

let app: FastifyInstance;
let admin: Session;
let analyst: Session;

const as = (session: Session | undefined, method: "GET" | "POST" | "PUT" | "DELETE", url: string, payload?: unknown, csrf = true) =>
  requestAs(app, session, method, url, payload, csrf);

const definition = {
  name: "Api Alerts",
  description: "from the API",
  productFieldName: "device_product",
  eventFieldName: "event_name",
  intervalSeconds: 60,
  timeoutSeconds: 30,
  parameters: [
    { name: "Token", type: "password", required: true },
    { name: "Limit", type: "int", default: 5 },
  ],
};
const CONNECTOR = "/api/ide/integrations/api-demo/connectors/api-alerts";

let fixture: ApiFixture;
beforeAll(async () => {
  fixture = await startApi("intake-ide-api-");
  ({ app, admin, analyst } = fixture);
});

afterAll(async () => {
  await fixture?.close();
});

describe("the IDE API", () => {
  it("is for admins only, and every change needs the CSRF header", async () => {
    expect((await as(analyst, "GET", "/api/ide/integrations")).statusCode).toBe(403);
    expect((await as(analyst, "POST", "/api/ide/integrations", { name: "Nope" })).statusCode).toBe(403);
    expect((await as(admin, "POST", "/api/ide/integrations", { name: "Nope" }, false)).statusCode).toBe(403);
    expect((await app.inject({ method: "GET", url: "/api/ide/sdk" })).statusCode).toBe(401);
  });

  it("validates names, icons and definitions, naming the field", async () => {
    const noName = await as(admin, "POST", "/api/ide/integrations", { name: "" });
    expect(noName.statusCode).toBe(400);
    expect(noName.json().error.message).toContain("name");
    const big = await as(admin, "POST", "/api/ide/integrations", { name: "Big", icon: Buffer.alloc(300 * 1024, 1).toString("base64") });
    expect(big.statusCode).toBe(400);
    expect(big.json().error.message).toContain("icon");
    const notImage = await as(admin, "POST", "/api/ide/integrations", { name: "Fake", icon: Buffer.from("GIF89a....").toString("base64") });
    expect(notImage.statusCode).toBe(400);
    expect(notImage.json().error.message).toMatch(/^icon: not an SVG or PNG/);
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(32)]);
    const created = await as(admin, "POST", "/api/ide/integrations", { name: "Api Demo", description: "d", icon: png.toString("base64") });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ slug: "api-demo", draft: true, hasIcon: true });
    expect((await as(admin, "POST", "/api/ide/integrations", { name: "api demo" })).statusCode).toBe(409);
    // A built-in integration is read-only here; a path is not a file name.
    const builtin = await as(admin, "PUT", "/api/ide/integrations/email/connectors/x", definition);
    expect(builtin.statusCode).toBe(400);
    expect(builtin.json().error.code).toBe("INTEGRATION_READONLY");
    expect((await as(admin, "PUT", "/api/ide/integrations/api-demo/connectors/..%2Fx", definition)).statusCode).toBe(400);
    const badType = await as(admin, "PUT", CONNECTOR, { ...definition, parameters: [{ name: "X", type: "secret" }] });
    expect(badType.statusCode).toBe(400);
    expect(badType.json().error.message).toContain("type");
    const secretDefault = await as(admin, "PUT", CONNECTOR, {
      ...definition,
      parameters: [{ name: "Token", type: "password", default: "hunter2" }],
    });
    expect(secretDefault.statusCode).toBe(400);
    expect(secretDefault.json().error.message).toContain("Token");
  });

  it("saves a definition with a template, refuses code that does not type-check without losing the working version, and \
keeps versions", async () => {
    const saved = await as(admin, "PUT", CONNECTOR, definition);
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json().version).toBe(1);
    const listed = (await as(admin, "GET", "/api/ide/integrations")).json().integrations as {
      slug: string;
      draft: boolean;
      connectors: { fileBase: string }[];
    }[];
    expect(listed.find((i) => i.slug === "api-demo")).toMatchObject({ draft: false, connectors: [{ fileBase: "api-alerts" }] });
    const template = (await as(admin, "GET", `${CONNECTOR}/code`)).json().code as string;
    expect(template).toContain("execution.returnPackage");

    const broken =
      `import { ConnectorExecution } from "intake/sdk";\n\n` +
      `export default async function main(execution: ConnectorExecution): Promise<void> {\n` +
      `  const n: number = "x";\n  await execution.returnPackage([]);\n}\n`;
    const refused = await as(admin, "PUT", `${CONNECTOR}/code`, { code: broken });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().diagnostics).toContainEqual(expect.objectContaining({ file: "connectors/api-alerts.ts", line: 4, column: 9 }));
    expect(refused.json().error.message).not.toContain(os.tmpdir());
    expect((await as(admin, "GET", `${CONNECTOR}/code`)).json().code).toBe(template);

    const syntax = await as(admin, "PUT", `${CONNECTOR}/code`, { code: "export default async function main( {\n" });
    expect(syntax.statusCode).toBe(422);
    expect(syntax.json().diagnostics[0]).toMatchObject({ file: "connectors/api-alerts.ts", line: expect.any(Number) });

    const fixed = broken.replace(`"x"`, "1");
    const ok = await as(admin, "PUT", `${CONNECTOR}/code`, { code: fixed });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().version).toBe(2);
    const versions = (await as(admin, "GET", `${CONNECTOR}/versions`)).json().versions as { version: number; changed: boolean }[];
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
    const v2 = (await as(admin, "GET", `${CONNECTOR}/versions/2`)).json();
    expect(v2).toMatchObject({ version: 2, code: fixed, previous: { version: 1, code: template } });
    expect((await as(admin, "GET", `${CONNECTOR}/versions/9`)).statusCode).toBe(404);
  });

  it("offers the SDK's names for completion", async () => {
    const labels = ((await as(admin, "GET", "/api/ide/sdk")).json().completions as { label: string }[]).map((c) => c.label);
    expect(labels).toEqual(
      expect.arrayContaining(["AlertInfo", "ConnectorExecution", "Priority", "extractConnectorParam", "returnPackage"]),
    );
  });
});
