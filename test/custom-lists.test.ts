// Custom lists (issue 28): the phishing-triage package's defaults, an admin's edit replacing one until it is
// reset, bounds and errors, through the API, the lists.get service and the CLI; and the built-in playbook's
// "Reporter Domains" refused empty on configure while replies are on.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customListServices, LISTS_DIR, parseListText } from "../src/platform/lists/index.js";
import { requestAs, startApi, type ApiFixture } from "./support/api.js";
import { makeWorkspace } from "./support/cli.js";

const NAMES = ["Shared Infrastructure", "Shorteners", "Brands", "VIPs"];
const SLUGS = ["shared-infrastructure", "shorteners", "brands", "vips"];
/** The defaults as the package ships them (their content is the triage's; the test reads it, not a copy). */
const defaults = (slug: string) => parseListText(fs.readFileSync(path.join(LISTS_DIR, `${slug}.txt`), "utf8"));

const ws = makeWorkspace();
let fixture: ApiFixture;
const as = (...args: Parameters<typeof requestAs> extends [unknown, ...infer Rest] ? Rest : never) => requestAs(fixture.app, ...args);

beforeAll(async () => {
  fixture = await startApi("intake-lists-", { database: ws.db });
});
afterAll(async () => {
  await fixture?.app.close();
  await fixture?.store.close();
});

describe("custom lists", () => {
  it("ships a default for every list, comments and blanks dropped", () => {
    for (const slug of SLUGS) {
      const text = fs.readFileSync(path.join(LISTS_DIR, `${slug}.txt`), "utf8");
      expect(text).toMatch(/^#/);
      const entries = defaults(slug);
      // VIPs are the organisation's own people: that list ships empty.
      if (slug !== "vips") expect(entries.length, slug).toBeGreaterThan(0);
      expect(entries.every((entry) => entry === entry.trim() && entry !== "" && !entry.startsWith("#"))).toBe(true);
    }
  });

  it("lets everyone signed in read the lists, by name or slug", async () => {
    expect((await as(undefined, "GET", "/api/lists")).statusCode).toBe(401);
    const all = (await as(fixture.analyst, "GET", "/api/lists")).json();
    expect(all).toEqual(NAMES.map((name, index) => ({ name, entries: defaults(SLUGS[index]!), edited: false })));
    expect((await as(fixture.analyst, "GET", "/api/lists/shorteners")).json()).toEqual({
      name: "Shorteners",
      entries: defaults("shorteners"),
      edited: false,
    });
    expect((await as(fixture.analyst, "GET", `/api/lists/${encodeURIComponent("shared INFRASTRUCTURE")}`)).json().name).toBe(
      "Shared Infrastructure",
    );
    const missing = await as(fixture.analyst, "GET", "/api/lists/allowed-senders");
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toEqual({
      code: "LIST_NOT_FOUND",
      message: 'no custom list "allowed-senders" (known: Shared Infrastructure, Shorteners, Brands, VIPs)',
    });
  });

  it("lets an admin replace a list and reset it; analysts only read", async () => {
    const url = `/api/lists/${encodeURIComponent("Shared Infrastructure")}`;
    expect((await as(fixture.analyst, "PUT", url, { entries: ["x.test"] })).statusCode).toBe(403);
    expect((await as(fixture.analyst, "DELETE", url)).statusCode).toBe(403);
    const saved = await as(fixture.admin, "PUT", url, { entries: ["  fonts.example  ", "", "# our CDN", "cdn.example"] });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toEqual({
      name: "Shared Infrastructure",
      entries: ["fonts.example", "cdn.example"],
      edited: true,
      updatedBy: "ada",
      updatedAt: expect.any(Number),
    });
    expect((await as(fixture.analyst, "GET", "/api/lists")).json()[0]).toMatchObject({
      entries: ["fonts.example", "cdn.example"],
      edited: true,
      updatedBy: "ada",
    });
    const lookup = customListServices(fixture.store)["lists.get"]!;
    expect(await lookup({ name: "Shared Infrastructure" })).toEqual(["fonts.example", "cdn.example"]);
    expect(await lookup({ name: "Brands" })).toEqual(defaults("brands"));

    const reset = await as(fixture.admin, "DELETE", url);
    expect(reset.json()).toEqual({ name: "Shared Infrastructure", entries: defaults("shared-infrastructure"), edited: false });
    expect(await lookup({ name: "shared-infrastructure" })).toEqual(defaults("shared-infrastructure"));
    await expect(lookup({ name: "Allowed" })).rejects.toMatchObject({ code: "LIST_NOT_FOUND" });
    await expect(lookup({ name: "x".repeat(201) })).rejects.toMatchObject({
      code: "VALIDATION",
      message: expect.stringContaining("lists.get: name"),
    });
    await expect(lookup({ list: "Brands" })).rejects.toMatchObject({ code: "VALIDATION" });
  });

  it("takes up to 10,000 entries of 500 characters, and refuses more, naming the entry", async () => {
    const url = "/api/lists/vips";
    // About 5 MB: more than the server's usual 1 MB body, allowed for this route (admins only).
    const full = Array.from({ length: 10_000 }, (_, index) => `Person ${index} <${"p".repeat(460)}${index}@corp.example>`.slice(0, 500));
    const big = await as(fixture.admin, "PUT", url, { entries: full });
    expect(big.statusCode, big.body.slice(0, 300)).toBe(200);
    expect(big.json().entries).toHaveLength(10_000);
    const refusals: [unknown, string][] = [
      [[...full, "one more"], 'custom list "VIPs": at most 10000 entries, got 10001'],
      [["ok", "x".repeat(501)], 'custom list "VIPs": entry 2 is longer than 500 characters'],
      [["ok", 7], 'custom list "VIPs": entry 2 is not text'],
      [["a\nb"], 'custom list "VIPs": entry 1 holds a line break: one entry a line'],
    ];
    for (const [entries, message] of refusals) {
      const refused = await as(fixture.admin, "PUT", url, { entries });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error).toEqual({ code: "LIST_INVALID", message });
    }
    expect((await as(fixture.admin, "PUT", url, { names: ["Jane"] })).json().error.code).toBe("VALIDATION");
    // The list refused stays as it was.
    expect((await as(fixture.analyst, "GET", url)).json().entries).toHaveLength(10_000);
    expect((await as(fixture.admin, "DELETE", url)).json().edited).toBe(false);
  });

  it("lists, shows and sets lists from the command line", async () => {
    const listed = await ws.intake(["lists", "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { name: string; edited: boolean }[]).map((list) => [list.name, list.edited])).toEqual(
      NAMES.map((name) => [name, false]),
    );
    const table = await ws.intake(["lists"]);
    expect(table.stdout).toMatch(/Shorteners\s+\d+\s+default/);

    const file = path.join(ws.dir, "vips.txt");
    fs.writeFileSync(file, "# our executives\nKim Minji <minji.kim@corp.example>\r\n\n  Lee Jisoo  \n");
    const set = await ws.intake(["lists", "set", "VIPs", "--file", file], { env: { INTAKE_ACTOR: "cli:carol" } });
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout.trim()).toBe('list "VIPs": 2 entries (edited)');
    const shown = await ws.intake(["lists", "show", "vips"]);
    expect(shown.stdout).toBe("Kim Minji <minji.kim@corp.example>\nLee Jisoo\n");
    expect(JSON.parse((await ws.intake(["lists", "show", "VIPs", "--json"])).stdout)).toMatchObject({
      edited: true,
      updatedBy: "cli:carol",
    });
    expect((await ws.intake(["lists"])).stdout).toMatch(/VIPs\s+2\s+edited by cli:carol/);

    const reset = await ws.intake(["lists", "set", "VIPs", "--reset"]);
    expect(reset.stdout.trim()).toBe(`list "VIPs": ${defaults("vips").length} entries (default)`);
    expect((await ws.intake(["lists", "show", "Nobody", "--json"])).stderr.trim()).toBe(
      'LIST_NOT_FOUND: no custom list "Nobody" (known: Shared Infrastructure, Shorteners, Brands, VIPs)',
    );
    const neither = await ws.intake(["lists", "set", "VIPs"]);
    expect([neither.code, neither.stderr.trim()]).toEqual([
      1,
      'LIST_INVALID: custom list "VIPs": give --file FILE (one entry a line) or --reset',
    ]);
    expect((await ws.intake(["lists", "set", "VIPs", "--file", path.join(ws.dir, "none.txt")])).stderr).toContain("LIST_INVALID");
  }, 120_000);

  it("refuses to turn the built-in playbook's replies on without Reporter Domains, yet starts with its defaults", async () => {
    const listed = await ws.intake(["playbooks", "list", "--json"]);
    expect(listed.stdout).toContain("phishing-triage");
    const refused = await ws.intake([
      "playbook",
      "configure",
      "phishing-triage",
      "--params",
      ws.writeJson("triage.json", { "Reply To Reporter": "true", "Default Language": "ko" }),
    ]);
    expect([refused.code, refused.stderr.trim()]).toEqual([
      1,
      'PARAM_INVALID: "Reporter Domains" is required when "Reply To Reporter" is "true"',
    ]);
    // Settings that do not turn replies on are taken (the reply step then says why it answers no one).
    const other = await ws.intake([
      "playbook",
      "configure",
      "phishing-triage",
      "--params",
      ws.writeJson("sim.json", { "Simulation Headers": "X-PhishTest" }),
    ]);
    expect(other.code, other.stderr).toBe(0);
    const off = await ws.intake([
      "playbook",
      "configure",
      "phishing-triage",
      "--params",
      ws.writeJson("off.json", { "Reply To Reporter": "false" }),
    ]);
    expect(off.code, off.stderr).toBe(0);
    const on = await ws.intake([
      "playbook",
      "configure",
      "phishing-triage",
      "--params",
      ws.writeJson("on.json", {
        "Reporter Domains": "corp.example",
        "Trusted Authentication Servers": "mx.corp.example",
      }),
    ]);
    expect(on.code, on.stderr).toBe(0);
    const shown = (await as(fixture.analyst, "GET", "/api/playbooks/phishing-triage")).json();
    expect(shown.parameters).toMatchObject({
      "Reply To Reporter": "true",
      "Reporter Domains": "corp.example",
      "Trusted Authentication Servers": "mx.corp.example",
    });
    expect(shown.definition.parameters.find((p: { name: string }) => p.name === "Reporter Domains").requiredWhen).toEqual({
      param: "Reply To Reporter",
      equals: "true",
    });
  }, 120_000);
});
