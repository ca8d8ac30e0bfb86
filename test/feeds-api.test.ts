// The feeds API in-process: listed to a signed-in user only, added by an admin only (every field checked).
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestAs, startApi, type ApiFixture } from "./support/api.js";
import { PROJECT_ROOT } from "./support/cli.js";

const FEEDS = path.join(PROJECT_ROOT, "test/fixtures/feeds");
let fixture: ApiFixture;
const as = (...args: Parameters<typeof requestAs> extends [unknown, ...infer Rest] ? Rest : never) => requestAs(fixture.app, ...args);

beforeAll(async () => {
  // Feed sources are read only under the file roots: the fixtures here.
  process.env.INTAKE_FILE_ROOTS = FEEDS;
  fixture = await startApi("intake-feeds-api-");
});
afterAll(async () => {
  await fixture?.close();
  delete process.env.INTAKE_FILE_ROOTS;
});

describe("feeds API", () => {
  it("needs a session to list, an admin to add, and checks what is added", async () => {
    expect((await as(undefined, "GET", "/api/feeds")).statusCode).toBe(401);
    expect((await as(undefined, "POST", "/api/feeds/x/refresh")).statusCode).toBe(401);
    const body = { name: "stix", format: "stix", source: path.join(FEEDS, "stix.json") };
    expect((await as(fixture.analyst, "POST", "/api/feeds", body)).statusCode).toBe(403);
    const wrong = await as(fixture.admin, "POST", "/api/feeds", { ...body, format: "csv" });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.message).toContain("format");
    const added = await as(fixture.admin, "POST", "/api/feeds", body);
    expect(added.statusCode, added.body).toBe(200);
    expect(added.json()).toMatchObject({ name: "stix", format: "stix", reliability: "C", indicators: 0, refreshedAt: null, error: null });
    expect((await as(fixture.analyst, "GET", "/api/feeds")).json().map((feed: { name: string }) => feed.name)).toEqual(["stix"]);
  });

  it("keeps each feed's reliability: given when added, changed by an admin, refused off the A–F scale", async () => {
    const body = { name: "urlhaus", format: "urlhaus", source: path.join(FEEDS, "urlhaus.csv") };
    const bad = await as(fixture.admin, "POST", "/api/feeds", { ...body, reliability: "G" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toEqual({
      code: "FEED_INVALID",
      message: '--reliability "G": use one of A, B, C, D, E, F (A completely reliable … E unreliable, F cannot be judged)',
    });
    expect((await as(fixture.admin, "POST", "/api/feeds", { ...body, reliability: "b" })).json()).toMatchObject({
      name: "urlhaus",
      reliability: "B",
    });
    // Changing the source again keeps the reliability it was given.
    expect((await as(fixture.admin, "POST", "/api/feeds", body)).json()).toMatchObject({ reliability: "B" });

    expect((await as(undefined, "PATCH", "/api/feeds/urlhaus", { reliability: "A" })).statusCode).toBe(401);
    expect((await as(fixture.analyst, "PATCH", "/api/feeds/urlhaus", { reliability: "A" })).statusCode).toBe(403);
    const patched = await as(fixture.admin, "PATCH", "/api/feeds/urlhaus", { reliability: "A" });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ name: "urlhaus", reliability: "A" });
    const refused = await as(fixture.admin, "PATCH", "/api/feeds/urlhaus", { reliability: "Z" });
    expect([refused.statusCode, refused.json().error.code]).toEqual([400, "FEED_INVALID"]);
    expect(refused.json().error.message).toContain('"Z"');
    expect((await as(fixture.admin, "PATCH", "/api/feeds/none", { reliability: "A" })).statusCode).toBe(404);
    expect((await as(fixture.admin, "PATCH", "/api/feeds/urlhaus", { format: "stix" })).statusCode).toBe(400);
    const listed = (await as(fixture.analyst, "GET", "/api/feeds")).json() as { name: string; reliability: string }[];
    expect(listed.map((feed) => [feed.name, feed.reliability])).toEqual([
      ["stix", "C"],
      ["urlhaus", "A"],
    ]);
  });

  it("refuses a source outside INTAKE_FILE_ROOTS, naming it, and a URL that is not https", async () => {
    const shadow = await as(fixture.admin, "POST", "/api/feeds", { name: "shadow", format: "openphish", source: "/etc/shadow" });
    expect([shadow.statusCode, shadow.json().error]).toEqual([
      400,
      {
        code: "FEED_SOURCE",
        message: `source /etc/shadow is not under INTAKE_FILE_ROOTS (${FEEDS}): put the feed's file there, or give an https URL`,
      },
    ]);
    const relative = await as(fixture.admin, "POST", "/api/feeds", {
      name: "up",
      format: "openphish",
      source: `${FEEDS}/../../../package.json`,
    });
    expect([relative.statusCode, relative.json().error.code]).toEqual([400, "FEED_SOURCE"]);
    const http = await as(fixture.admin, "POST", "/api/feeds", {
      name: "plain",
      format: "openphish",
      source: "http://feeds.test/list.txt",
    });
    expect([http.statusCode, http.json().error.code]).toEqual([400, "FEED_INVALID"]);
    expect((await as(fixture.analyst, "GET", "/api/feeds")).json().map((feed: { name: string }) => feed.name)).toEqual(["stix", "urlhaus"]);
  });

  it("answers FEED_NOT_FOUND for a feed it does not know", async () => {
    // Refreshing runs the job's process from the built dist/ (feeds-console.e2e.test.ts does it through intake serve).
    const missing = await as(fixture.analyst, "POST", "/api/feeds/none/refresh");
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toMatchObject({ code: "FEED_NOT_FOUND", message: 'no feed "none"' });
  });
});
