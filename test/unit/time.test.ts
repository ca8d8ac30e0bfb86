// The SDK's date helpers: mail dates as mailers write them, zones, and dates without a zone.
import { describe, expect, it } from "vitest";
import { convertDatetimeToUnixTime, convertStringToDatetime } from "../../src/sdk/index.js";

describe("convertStringToDatetime", () => {
  it("reads RFC 5322 dates with numeric zones, old zone names and comments", () => {
    expect(convertStringToDatetime("Tue, 1 Jul 2003 10:52:37 +0200").toISOString()).toBe("2003-07-01T08:52:37.000Z");
    expect(convertStringToDatetime("Tue, 01 Jul 2003 10:52:37 PDT").toISOString()).toBe("2003-07-01T17:52:37.000Z");
    expect(convertStringToDatetime("1 Jul 03 10:52 -0000 (UTC)").toISOString()).toBe("2003-07-01T10:52:00.000Z");
    expect(convertStringToDatetime("Wed, 4 Nov 2026 08:00:00 GMT").toISOString()).toBe("2026-11-04T08:00:00.000Z");
  });

  it("reads ISO 8601", () => {
    expect(convertStringToDatetime("2026-11-04T08:00:00+09:00").toISOString()).toBe("2026-11-03T23:00:00.000Z");
  });

  it("reads a date without a zone in the given time zone, daylight saving included", () => {
    expect(convertStringToDatetime("Tue, 1 Jul 2003 10:52:37").toISOString()).toBe("2003-07-01T10:52:37.000Z");
    expect(convertStringToDatetime("Tue, 1 Jul 2003 10:52:37", "Asia/Seoul").toISOString()).toBe("2003-07-01T01:52:37.000Z");
    expect(convertStringToDatetime("1 Jul 2003 10:52:37", "America/New_York").toISOString()).toBe("2003-07-01T14:52:37.000Z");
    expect(convertStringToDatetime("1 Jan 2003 10:52:37", "America/New_York").toISOString()).toBe("2003-01-01T15:52:37.000Z");
    expect(convertStringToDatetime("2026-11-04T08:00:00", "Asia/Seoul").toISOString()).toBe("2026-11-03T23:00:00.000Z");
  });

  it("refuses what is not a date, naming it", () => {
    expect(() => convertStringToDatetime("garbage date")).toThrow(/DATE_INVALID|not a date: "garbage date"/);
    expect(() => convertStringToDatetime("")).toThrow(/not a date/);
  });

  it("gives Unix epoch milliseconds", () => {
    expect(convertDatetimeToUnixTime(new Date("2026-11-04T08:00:00Z"))).toBe(1793779200000);
  });
});
