// `npm run bench -- --floor`, the child it starts: what the two libraries the email connector is built
// on cost by themselves, on the bench's mailbox. imapflow fetches every message in the connector's
// batches through the connector's own ImapMailbox (bytes only, nothing read), and postal-mime, with the
// connector's native fast paths and options, parses each batch once it has arrived (nothing else: no
// URL finding, no alert, no storing). The CPU seconds of each part are a floor under any run that keeps
// both libraries: a run cannot cost less than fetching and parsing its messages.
// Run by bench/run.ts with FLOOR_SERVER set to {host, port, username, password}.
import PostalMime from "postal-mime";
import type { ConnectorLogger } from "intake/sdk";
import { ImapMailbox } from "../integrations/email/lib/imap-mailbox.js";
import { preparePostalMime } from "../integrations/email/lib/decode.js";
import { MAX_NESTING_DEPTH } from "../integrations/email/lib/read-message.js";
import { BATCH_SIZE } from "../integrations/email/connectors/my-email-connector.js";

const server = JSON.parse(process.env.FLOOR_SERVER ?? "{}") as { host: string; port: number; username: string; password: string };
const silent = () => undefined;
const logger: ConnectorLogger = { debug: silent, info: silent, warn: silent, error: silent, exception: silent };

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};

await preparePostalMime();
const mailbox = await ImapMailbox.open({
  host: server.host,
  port: server.port,
  username: server.username,
  password: server.password,
  folder: "INBOX",
  readOnly: true,
  logger,
});
const uids = await mailbox.uidsMatching({ unreadOnly: false });
let fetchCpu = 0;
let parseCpu = 0;
for (let at = 0; at < uids.length; at += BATCH_SIZE) {
  const fetchStart = process.cpuUsage();
  const batch: Buffer[] = [];
  for await (const message of mailbox.fetchRaw(uids.slice(at, at + BATCH_SIZE))) batch.push(message.source);
  fetchCpu += cpuSeconds(fetchStart);
  // The batch is all here and no command is outstanding: this CPU is the parser's alone.
  const parseStart = process.cpuUsage();
  for (const source of batch)
    await PostalMime.parse(source, { attachmentEncoding: "arraybuffer", maxNestingDepth: MAX_NESTING_DEPTH, forceRfc822Attachments: true });
  parseCpu += cpuSeconds(parseStart);
}
await mailbox.close();
process.stdout.write(`${JSON.stringify({ messages: uids.length, fetchCpu, parseCpu })}\n`);
