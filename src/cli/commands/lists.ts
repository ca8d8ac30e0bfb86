// `intake lists`, `lists show NAME`, `lists set NAME --file F | --reset`: the custom lists triage reads.
import type { Command } from "commander";
import type { WithStore } from "../context.js";
import { getCustomList, listCustomLists, readListFile, saveCustomList } from "../../platform/lists/index.js";
import { ListInvalid } from "../../platform/errors.js";
import { formatTime, table } from "../output.js";
import { cliActor } from "./action.js";

export function register(program: Command, withStore: WithStore): void {
  const lists = program
    .command("lists")
    .description("custom lists triage reads (Shared Infrastructure, Shorteners, Brands, VIPs): names, entries, edited or default")
    .option("--json", 'print [{"name","entries","edited","updatedBy","updatedAt"}] on the last line of stdout')
    .action(async (options: { json?: boolean }) => {
      const all = await withStore((store) => listCustomLists(store));
      if (options.json) return console.log(JSON.stringify(all));
      console.log(
        table(
          all.map((list) => ({
            name: list.name,
            entries: list.entries.length,
            source: list.edited ? `edited by ${list.updatedBy}` : "default",
            updated: list.edited ? formatTime(list.updatedAt) : "",
          })),
          ["name", "entries", "source", "updated"],
        ),
      );
    });

  lists
    .command("show <name>")
    .description("a list's entries, one a line (an admin's edit, else the default)")
    .option("--json", 'print {"name","entries","edited","updatedBy","updatedAt"}')
    .action(async (name: string, options: { json?: boolean }) => {
      const list = await withStore((store) => getCustomList(store, name));
      // The group's own --json takes the flag when given after the name (commander): read both.
      if (options.json || (lists.opts() as { json?: boolean }).json) return console.log(JSON.stringify(list));
      for (const entry of list.entries) console.log(entry);
    });

  lists
    .command("set <name>")
    .description("replace a list's entries with a file's lines (blank lines and # comments dropped), or --reset it to the default")
    .option("--file <path>", "one entry a line")
    .option("--reset", "back to the default the phishing-triage package ships")
    .action(async (name: string, options: { file?: string; reset?: boolean }) => {
      if (options.reset && options.file) throw new ListInvalid(name, "give --file or --reset, not both");
      if (!options.reset && !options.file) throw new ListInvalid(name, "give --file FILE (one entry a line) or --reset");
      const entries = options.reset ? null : readListFile(name, options.file!);
      const list = await withStore((store) => saveCustomList(store, name, entries, cliActor()));
      console.log(`list "${list.name}": ${list.entries.length} entries (${list.edited ? "edited" : "default"})`);
    });
}
