// The feed format table (src/sdk/feed-formats.ts): every row has its parser in the Threat Intel Feeds integration,
// which reads the row's fixture, and the help texts name the rows.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FEED_FORMAT_TABLE, feedFormatChoices } from "../../src/sdk/feed-formats.js";
import { parseFeed } from "../../integrations/threat-intel/lib/parsers.js";

const FEEDS = path.join(import.meta.dirname, "../fixtures/feeds");
const FIXTURES: Record<string, string> = {
  urlhaus: "urlhaus.csv",
  phishtank: "phishtank.json",
  openphish: "openphish.txt",
  misp: "misp",
  stix: "stix.json",
};

describe("feed formats", () => {
  it("reads a fixture of every format of the table with that format's parser", async () => {
    for (const row of FEED_FORMAT_TABLE) {
      const fixture = FIXTURES[row.name];
      expect(fixture, `a fixture for ${row.name}`).toBeDefined();
      const found = [];
      for await (const indicator of parseFeed(row.name, path.join(FEEDS, fixture!))) found.push(indicator);
      expect(found.length, row.name).toBeGreaterThan(0);
    }
  });

  it("refuses a format the table does not name, listing the ones it does", () => {
    expect(() => parseFeed("csv", "/dev/null")).toThrow('unknown feed format "csv" (known: urlhaus, phishtank, openphish, misp, stix)');
    expect(() => parseFeed("toString", "/dev/null")).toThrow("unknown feed format");
  });

  it("names the formats in help texts as a list", () => {
    expect(feedFormatChoices()).toBe("urlhaus, phishtank, openphish, misp or stix");
  });
});
