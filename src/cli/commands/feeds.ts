// `intake feeds add|set|refresh|list`: threat-intel feeds (docs/interfaces.md, "Feeds").
import type { Command } from "commander";
import type { WithStore } from "../context.js";
import { addFeed, FEED_FORMAT_TABLE, feedFormatChoices, listFeeds, refreshFeed, setFeed } from "../../platform/intel/index.js";
import { formatTime, table } from "../output.js";

export function register(program: Command, withStore: WithStore): void {
  const feeds = program.command("feeds").description("threat-intel feeds: add one, refresh them now, list them");

  feeds
    .command("add <name>")
    .description(
      "add a feed (or change the one of this name); it is read on its interval under intake serve, or now with intake feeds refresh",
    )
    .requiredOption("--format <format>", feedFormatChoices())
    .addHelpText("after", `\nFormats:\n${FEED_FORMAT_TABLE.map((row) => `  ${row.name.padEnd(10)} ${row.description}`).join("\n")}`)
    .requiredOption("--source <path-or-url>", "a file, a MISP feed folder, or an https URL")
    .option("--interval <seconds>", "how often intake serve refreshes it (default 3600)", (v) => Number(v))
    .option(
      "--reliability <A-F>",
      "the source's reliability: A completely reliable, B usually, C fairly (default), D not usually, E unreliable, F cannot be judged",
    )
    .action(async (name: string, options: { format: string; source: string; interval?: number; reliability?: string }) => {
      const feed = await withStore((store) =>
        addFeed(store, {
          name,
          format: options.format,
          source: options.source,
          ...(options.interval === undefined ? {} : { intervalSeconds: options.interval }),
          ...(options.reliability === undefined ? {} : { reliability: options.reliability }),
        }),
      );
      console.log(
        `feed "${feed.name}" (${feed.format}, reliability ${feed.reliability}) from ${feed.source}, refreshed ` +
          `every ${feed.intervalSeconds} s`,
      );
    });

  feeds
    .command("set <name>")
    .description("change a feed's reliability (what its matches weigh in triage)")
    .requiredOption("--reliability <A-F>", "A completely reliable, B usually, C fairly, D not usually, E unreliable, F cannot be judged")
    .action(async (name: string, options: { reliability: string }) => {
      const feed = await withStore((store) => setFeed(store, name, { reliability: options.reliability }));
      console.log(`feed "${feed.name}": reliability ${feed.reliability}`);
    });

  feeds
    .command("refresh [name]")
    .description("read one feed (or every feed) now; a file that cannot be read leaves the feed's indicators as they were")
    .option("--json", 'print {"feeds":[{"name","indicators"}]} on the last line of stdout')
    .action(async (name: string | undefined, options: { json?: boolean }) => {
      await withStore(async (store) => {
        const names = name === undefined ? (await listFeeds(store)).map((feed) => feed.name) : [name];
        const done: { name: string; indicators: number }[] = [];
        let failure: unknown;
        for (const each of names) {
          try {
            const { feed, job } = await refreshFeed(store, each);
            done.push({ name: feed.name, indicators: feed.indicators });
            if (!options.json) console.log(`feed "${feed.name}": ${feed.indicators} indicators (${job.finishedAt - job.startedAt} ms)`);
          } catch (error) {
            failure ??= error;
          }
        }
        if (options.json) console.log(JSON.stringify({ feeds: done }));
        if (failure) throw failure;
      });
    });

  feeds
    .command("list")
    .description("the feeds: source, indicators, last refresh and last error")
    .option(
      "--json",
      'print {"feeds":[{"name","format","source","reliability","indicators","refreshed_at","error"}]} on the last line of stdout',
    )
    .action(async (options: { json?: boolean }) => {
      const list = await withStore((store) => listFeeds(store));
      if (options.json) {
        return console.log(
          JSON.stringify({
            feeds: list.map((feed) => ({
              name: feed.name,
              format: feed.format,
              source: feed.source,
              reliability: feed.reliability,
              indicators: feed.indicators,
              refreshed_at: feed.refreshedAt,
              error: feed.error,
            })),
          }),
        );
      }
      console.log(
        list.length
          ? table(
              list.map((feed) => ({
                name: feed.name,
                format: feed.format,
                reliability: feed.reliability,
                indicators: feed.indicators,
                refreshed: formatTime(feed.refreshedAt),
                source: feed.source,
                error: feed.error ?? "",
              })),
              ["name", "format", "reliability", "indicators", "refreshed", "source", "error"],
            )
          : "no feeds: intake feeds add NAME --format FORMAT --source PATH_OR_URL",
      );
    });
}
