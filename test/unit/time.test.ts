// The SDK's date helpers: mail dates as mailers write them, zones, and dates without a zone.
import { describe, expect, it } from "vitest";
import { convertDatetimeToUnixTime, convertStringToDatetime } from "../../src/sdk/index.js";
import { mailDateReaders } from "../../src/sdk/time.js";
import { random } from "../support/phish-corpus.js";

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

  it("reads the usual form by position exactly as the tolerant reader reads it, and leaves it every other form", () => {
    const pick = <T>(next: () => number, list: T[]) => list[Math.floor(next() * list.length)]!;
    let canonical = 0;
    for (let seed = 1; seed <= 20_000; seed++) {
      const next = random(seed);
      const text = [
        pick(next, ["", "Tue, ", "Mon, ", "tue, ", "Tue,", "Sun, "]),
        pick(next, ["1", "01", "9", "31", "30", "0", "32", "x"]),
        " ",
        pick(next, ["Jul", "jan", "FEB", "Sep", "Dec", "July", "Jul.", "Foo"]),
        " ",
        pick(next, ["2003", "2026", "1999", "03", "20x6"]),
        " ",
        pick(next, ["10:52:37", "00:00:00", "23:59:60", "24:00:00", "10:60:00", "10:52", "1:02:03"]),
        " ",
        pick(next, ["+0200", "-0000", "+0000", "-0930", "+1400", "+0099", "GMT", "PDT", "+02:00", "0200"]),
        pick(next, ["", " (UTC)", " (Pacific Daylight Time)", " x", "  ", "(UTC)"]),
      ].join("");
      const fast = mailDateReaders.canonical(text);
      if (fast === undefined) continue;
      canonical++;
      expect(fast.toISOString(), text).toBe(mailDateReaders.tolerant(text)?.toISOString());
    }
    // Enough of the generated dates were of the usual form for the comparison to mean something.
    expect(canonical).toBeGreaterThan(300);
  });

  it("gives Unix epoch milliseconds", () => {
    expect(convertDatetimeToUnixTime(new Date("2026-11-04T08:00:00Z"))).toBe(1793779200000);
  });
});
