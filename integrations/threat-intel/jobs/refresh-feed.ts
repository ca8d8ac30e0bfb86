// Refresh Feed: reads one feed in its format and hands its indicators to the platform in chunks, so a
// feed of a million indicators never sits whole in this process's memory.
import { type JobExecution, MAX_INDICATORS_PER_CHUNK, type FeedIndicator } from "intake/sdk";
import { parseFeed } from "../lib/parsers.js";

export default async function main(execution: JobExecution): Promise<void> {
  const name = execution.extractJobParam("Feed Name", { isMandatory: true });
  const format = execution.extractJobParam("Format", { isMandatory: true });
  const source = execution.extractJobParam("Source", { isMandatory: true });
  let chunk: FeedIndicator[] = [];
  let total = 0;
  for await (const indicator of parseFeed(format, source)) {
    chunk.push(indicator);
    if (chunk.length === MAX_INDICATORS_PER_CHUNK) {
      await execution.handOverIndicators(chunk);
      total += chunk.length;
      chunk = [];
    }
  }
  if (chunk.length) await execution.handOverIndicators(chunk);
  total += chunk.length;
  execution.logger.info(`feed "${name}" (${format}): ${total} indicators read`);
}
