// The README and docs/ hold together: every relative link reaches a file (and a heading, when it names one),
// and the README stays short enough for a newcomer (300 lines).
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.join(import.meta.dirname, "..", "..");
const README_MAX_LINES = 300;

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** The anchors of a Markdown text's headings, a repeated one numbered as GitHub numbers it. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  for (const line of withoutCode(text, false).split("\n")) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = slug(heading[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${count}`);
  }
  return found;
}

/** The text with fenced blocks blanked, and inline code too unless asked not to: code is never a link or heading. */
function withoutCode(text: string, inline = true): string {
  let fenced = false;
  return text
    .split("\n")
    .map((line) => {
      if (line.startsWith("```")) {
        fenced = !fenced;
        return "";
      }
      if (fenced) return "";
      return inline ? line.replace(/`[^`]*`/g, "") : line;
    })
    .join("\n");
}

/** Every relative link of a Markdown file that leads nowhere, as "target: why". */
function brokenLinks(file: string, text: string, read: (file: string) => string | undefined): string[] {
  const broken: string[] = [];
  for (const match of withoutCode(text).matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) {
    const target = match[1]!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:…: not this test's business
    const [pathPart, anchor] = target.split("#", 2) as [string, string | undefined];
    const resolved = pathPart === "" ? file : path.resolve(path.dirname(file), decodeURIComponent(pathPart));
    if (pathPart !== "" && !fs.existsSync(resolved)) {
      broken.push(`${target}: no such file`);
      continue;
    }
    if (anchor === undefined || !resolved.endsWith(".md")) continue;
    const targetText = resolved === file ? text : read(resolved);
    if (targetText !== undefined && !anchors(targetText).has(anchor)) broken.push(`${target}: no heading with this anchor`);
  }
  return broken;
}

const pages = fs.readdirSync(path.join(ROOT, "docs")).filter((name) => name.endsWith(".md"));
const documents = [path.join(ROOT, "README.md"), ...pages.map((name) => path.join(ROOT, "docs", name))];
const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined);

describe("the documentation's links", () => {
  it.each(documents.map((file) => [path.relative(ROOT, file), file]))("%s: every relative link resolves", (_name, file) => {
    expect(brokenLinks(file, fs.readFileSync(file, "utf8"), read)).toEqual([]);
  });

  it("finds a missing file, a missing heading, and leaves code and other schemes alone", () => {
    const file = path.join(ROOT, "docs", "example.md");
    const text = [
      "# Example page",
      "",
      "[fine](#example-page) [up](../README.md#quick-start) [away](https://example.test/nothing)",
      "[gone](nothing-here.md) [wrong](../README.md#no-such-heading) [also wrong](#no-heading)",
      "`[code](not-a-link.md)`",
      "```",
      "[fenced](not-a-link-either.md)",
      "```",
    ].join("\n");
    expect(brokenLinks(file, text, read)).toEqual([
      "nothing-here.md: no such file",
      "../README.md#no-such-heading: no heading with this anchor",
      "#no-heading: no heading with this anchor",
    ]);
  });

  it("reads headings as GitHub names their anchors", () => {
    const text = "# Scaling out: queue mode\n## What `intake serve` does\n## Health checks\n## Health checks\n## 전달 (Korean)";
    const expected = ["scaling-out-queue-mode", "what-intake-serve-does", "health-checks", "health-checks-1", "전달-korean"];
    expect([...anchors(text)]).toEqual(expected);
  });
});

describe("the README", () => {
  it(`is at most ${README_MAX_LINES} lines and links into docs/`, () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    expect(readme.split("\n").length).toBeLessThanOrEqual(README_MAX_LINES);
    expect(readme).toMatch(/\]\(docs\/[a-z-]+\.md/);
  });
});
