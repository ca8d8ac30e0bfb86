// The threat-intel feed formats, one row each: the CLI's choices and help, the API's validation, the console's
// select and the Threat Intel Feeds integration's parsers (keyed by name) all read this table.

export interface FeedFormatRow {
  /** What `--format` and the API take, and what a feed row stores. */
  name: string;
  /** The format as people write it (verdict reasons, the console's select). */
  label: string;
  /** One line for help texts. */
  description: string;
  /** Set for a format read from a folder (never a URL): what the folder holds. Unset: a file or an https URL. */
  folder?: string;
}

export const FEED_FORMAT_TABLE = [
  { name: "urlhaus", label: "URLhaus", description: 'URLhaus CSV, with its header comment "# id,dateadded,url,…"' },
  { name: "phishtank", label: "PhishTank", description: "PhishTank's JSON dump or its CSV (header phish_id,url,…)" },
  { name: "openphish", label: "OpenPhish", description: "OpenPhish text: one URL a line" },
  {
    name: "misp",
    label: "MISP",
    description: "a MISP feed folder: manifest.json and one UUID.json per event",
    folder: "a folder holding manifest.json and the event files",
  },
  { name: "stix", label: "STIX", description: "a STIX 2.1 bundle: the patterns of its indicator objects" },
] as const satisfies readonly FeedFormatRow[];

export type FeedFormat = (typeof FEED_FORMAT_TABLE)[number]["name"];

export const FEED_FORMATS: readonly FeedFormat[] = FEED_FORMAT_TABLE.map((row) => row.name);

export function isFeedFormat(value: unknown): value is FeedFormat {
  return (FEED_FORMATS as readonly unknown[]).includes(value);
}

/** The row of a format; undefined for a name that is none. */
export function feedFormat(name: string): FeedFormatRow | undefined {
  return FEED_FORMAT_TABLE.find((row) => row.name === name);
}

/** "urlhaus, phishtank, openphish, misp or stix": the formats as a help text names them. */
export function feedFormatChoices(): string {
  return `${FEED_FORMATS.slice(0, -1).join(", ")} or ${FEED_FORMATS.at(-1)}`;
}
