// Custom lists (SecOps' name) that triage reads: defaults shipped as files of the phishing-triage
// package, an admin's edit (custom_lists) replacing a default until it is reset.
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { BUILTIN_INTEGRATIONS_DIR } from "../catalog/index.js";
import { ListInvalid, ListNotFound, Validation } from "../errors.js";
import type { Store } from "../store/index.js";
import { CASE_SERVICES } from "../../sdk/action.js";

/** The lists triage reads, with the file of each default (integrations/phishing-triage/lists/<slug>.txt). */
export const CUSTOM_LISTS = [
  { name: "Shared Infrastructure", slug: "shared-infrastructure" },
  { name: "Shorteners", slug: "shorteners" },
  { name: "Brands", slug: "brands" },
  { name: "VIPs", slug: "vips" },
] as const;

export const MAX_LIST_ENTRIES = 10_000;
export const MAX_LIST_ENTRY_LENGTH = 500;
/** A list file read by `intake lists set`: 10,000 lines of 500 characters and their comments. */
const MAX_LIST_FILE_BYTES = 8 * 1024 * 1024;

export const LISTS_DIR = path.join(BUILTIN_INTEGRATIONS_DIR, "phishing-triage", "lists");

export interface CustomList {
  name: string;
  entries: string[];
  /** False: the package's default; true: an admin's edit (who, when). */
  edited: boolean;
  updatedBy?: string;
  updatedAt?: number;
}

/** The list of this name (any case) or slug, or LIST_NOT_FOUND. */
function known(name: string): (typeof CUSTOM_LISTS)[number] {
  const wanted = name.trim().toLowerCase();
  const list = CUSTOM_LISTS.find((each) => each.name.toLowerCase() === wanted || each.slug === wanted);
  if (!list) throw new ListNotFound(name.slice(0, 100), CUSTOM_LISTS.map((each) => each.name).join(", "));
  return list;
}

/** A list's text as entries: one a line, trimmed, blank lines and lines starting with # dropped. */
export function parseListText(text: string): string[] {
  return text
    .split(/\r?\n|\r/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/** Entries from outside (an admin, a file): each text, bounded; blanks and comments dropped, as in a file. */
export function checkEntries(name: string, entries: unknown): string[] {
  if (!Array.isArray(entries)) throw new ListInvalid(name, "entries must be a list of texts");
  if (entries.length > MAX_LIST_ENTRIES) throw new ListInvalid(name, `at most ${MAX_LIST_ENTRIES} entries, got ${entries.length}`);
  const out: string[] = [];
  for (const [index, entry] of entries.entries()) {
    if (typeof entry !== "string") throw new ListInvalid(name, `entry ${index + 1} is not text`);
    if (/[\r\n]/.test(entry)) throw new ListInvalid(name, `entry ${index + 1} holds a line break: one entry a line`);
    const trimmed = entry.trim();
    if (trimmed.length > MAX_LIST_ENTRY_LENGTH)
      throw new ListInvalid(name, `entry ${index + 1} is longer than ${MAX_LIST_ENTRY_LENGTH} characters`);
    if (trimmed !== "" && !trimmed.startsWith("#")) out.push(trimmed);
  }
  return out;
}

/** The package's default of a list (its file; none: empty), bounded as an admin's edit is. */
function defaultEntries(list: (typeof CUSTOM_LISTS)[number]): string[] {
  let text: string;
  try {
    text = fs.readFileSync(path.join(LISTS_DIR, `${list.slug}.txt`), "utf8");
  } catch {
    return [];
  }
  return parseListText(text)
    .slice(0, MAX_LIST_ENTRIES)
    .map((entry) => entry.slice(0, MAX_LIST_ENTRY_LENGTH));
}

function view(
  list: (typeof CUSTOM_LISTS)[number],
  row: { entries: string; updated_by: string; updated_at: number } | undefined,
): CustomList {
  if (!row) return { name: list.name, entries: defaultEntries(list), edited: false };
  return {
    name: list.name,
    entries: JSON.parse(row.entries) as string[],
    edited: true,
    updatedBy: row.updated_by,
    updatedAt: Number(row.updated_at),
  };
}

export async function listCustomLists(store: Store): Promise<CustomList[]> {
  const rows = new Map((await store.db.selectFrom("custom_lists").selectAll().execute()).map((row) => [row.name, row]));
  return CUSTOM_LISTS.map((list) => view(list, rows.get(list.name)));
}

export async function getCustomList(store: Store, name: string): Promise<CustomList> {
  const list = known(name);
  return view(list, await store.db.selectFrom("custom_lists").selectAll().where("name", "=", list.name).executeTakeFirst());
}

/** An admin's entries for a list (null: back to the package's default). */
export async function saveCustomList(store: Store, name: string, entries: unknown, actor: string): Promise<CustomList> {
  const list = known(name);
  if (entries === null) {
    await store.db.deleteFrom("custom_lists").where("name", "=", list.name).execute();
    return getCustomList(store, list.name);
  }
  const checked = checkEntries(list.name, entries);
  const row = { entries: JSON.stringify(checked), updated_by: actor, updated_at: Date.now() };
  await store.db
    .insertInto("custom_lists")
    .values({ name: list.name, ...row })
    .onConflict((conflict) => conflict.column("name").doUpdateSet(row))
    .execute();
  return getCustomList(store, list.name);
}

/** A list file's entries (`intake lists set NAME --file F`). */
export function readListFile(name: string, file: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new ListInvalid(name, `--file ${file}: no such file`);
  }
  if (!stat.isFile()) throw new ListInvalid(name, `--file ${file}: not a file`);
  if (stat.size > MAX_LIST_FILE_BYTES) throw new ListInvalid(name, `--file ${file}: larger than ${MAX_LIST_FILE_BYTES} bytes`);
  return parseListText(fs.readFileSync(file, "utf8"));
}

const getSchema = z.object({ name: z.string().max(200) }).strict();

/** The lists.get service for an action's process: its payload validated as input from outside. */
export function customListServices(store: Store): Record<string, (payload: unknown) => Promise<unknown>> {
  return {
    [CASE_SERVICES.list]: async (payload) => {
      const parsed = getSchema.safeParse(payload);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new Validation(`${CASE_SERVICES.list}: ${issue.path.join(".") || "(payload)"}: ${issue.message}`);
      }
      return (await getCustomList(store, parsed.data.name)).entries;
    },
  };
}
