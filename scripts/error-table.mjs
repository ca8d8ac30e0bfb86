// Writes the README's table of error codes from the catalog; run after a build, it reads dist/:
// npx tsc -p tsconfig.json && node scripts/error-table.mjs
import fs from "node:fs";
import { errorTable } from "../dist/src/platform/errors.js";

const README = new URL("../README.md", import.meta.url);
const START = "<!-- error codes: start -->";
const END = "<!-- error codes: end -->";

const text = fs.readFileSync(README, "utf8");
const start = text.indexOf(START);
const end = text.indexOf(END);
if (start < 0 || end < start) throw new Error(`README.md has no ${START} … ${END} section`);
fs.writeFileSync(README, `${text.slice(0, start + START.length)}\n${errorTable()}\n${text.slice(end)}`);
