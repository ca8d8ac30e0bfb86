// Writes docs/errors.md's table of error codes from the catalog; run after a build, it reads dist/:
// npx tsc -p tsconfig.json && node scripts/error-table.mjs
import fs from "node:fs";
import { errorTable } from "../dist/src/platform/errors.js";

const PAGE = new URL("../docs/errors.md", import.meta.url);
const START = "<!-- error codes: start -->";
const END = "<!-- error codes: end -->";

const text = fs.readFileSync(PAGE, "utf8");
const start = text.indexOf(START);
const end = text.indexOf(END);
if (start < 0 || end < start) throw new Error(`docs/errors.md has no ${START} … ${END} section`);
fs.writeFileSync(PAGE, `${text.slice(0, start + START.length)}\n${errorTable()}\n${text.slice(end)}`);
