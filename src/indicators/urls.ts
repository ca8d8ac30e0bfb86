// Finds the URLs of one message: linkify-it on text, a real HTML parser on HTML. Bounded, no backtracking.
import LinkifyIt from "linkify-it";
import { Parser } from "htmlparser2";

/** At most this many URLs are kept per message; more are counted, not kept. */
export const MAX_URLS_PER_MESSAGE = 1000;
/** Text beyond this many characters is not scanned for links. */
export const MAX_SCANNED_CHARS = 2_000_000;

const linkify = new LinkifyIt({ fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false });

const WEB_SCHEMES = ["http:", "https:", "ftp:"];

function isWebUrl(url: string): boolean {
  const lower = url.slice(0, 8).toLowerCase();
  return WEB_SCHEMES.some((scheme) => lower.startsWith(scheme));
}

/** URLs written in plain text, in order. */
export function findUrlsInText(text: string): string[] {
  const scanned = text.length > MAX_SCANNED_CHARS ? text.slice(0, MAX_SCANNED_CHARS) : text;
  const matches = linkify.match(scanned) ?? [];
  return matches.map((match) => match.url).filter(isWebUrl);
}

export interface HtmlLinks {
  /** href of <a> and <area>: the links a reader clicks. */
  links: string[];
  /** src of images, frames, scripts; form actions. */
  resources: string[];
  /** The visible text, for URLs written as text. */
  text: string;
}

const LINK_ATTRIBUTES: Record<string, string> = { a: "href", area: "href" };
const RESOURCE_ATTRIBUTES: Record<string, string> = {
  img: "src", iframe: "src", frame: "src", script: "src", embed: "src", form: "action", source: "src",
};

/** Parses HTML (never renders it) and collects its links; entities in attributes are decoded by the parser. */
export function findLinksInHtml(html: string): HtmlLinks {
  const result: HtmlLinks = { links: [], resources: [], text: "" };
  const textParts: string[] = [];
  let textLength = 0;
  let skipDepth = 0;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === "style" || name === "script") skipDepth++;
        const linkAttribute = LINK_ATTRIBUTES[name];
        const resourceAttribute = RESOURCE_ATTRIBUTES[name];
        if (linkAttribute && attributes[linkAttribute]) result.links.push(attributes[linkAttribute].trim());
        if (resourceAttribute && attributes[resourceAttribute]) result.resources.push(attributes[resourceAttribute].trim());
      },
      onclosetag(name) {
        if ((name === "style" || name === "script") && skipDepth > 0) skipDepth--;
      },
      ontext(text) {
        if (skipDepth === 0 && textLength < MAX_SCANNED_CHARS) {
          textParts.push(text);
          textLength += text.length;
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html.length > MAX_SCANNED_CHARS * 2 ? html.slice(0, MAX_SCANNED_CHARS * 2) : html);
  parser.end();
  // Block elements end lines: join with a space so that words of adjacent elements stay apart.
  result.text = textParts.join(" ");
  return result;
}

/** Keeps the first occurrence of each URL, in order, up to a bound. */
export function uniqueUrls(urls: Iterable<string>, limit = MAX_URLS_PER_MESSAGE): { urls: string[]; dropped: number } {
  const seen = new Set<string>();
  const out: string[] = [];
  let dropped = 0;
  for (const url of urls) {
    if (!url || seen.has(url)) continue;
    seen.add(url);
    if (out.length < limit) out.push(url);
    else dropped++;
  }
  return { urls: out, dropped };
}

/** The URLs of a message's bodies: text first, then the HTML's links, then its resources. */
export function findMessageUrls(bodies: { text?: string | undefined; html?: string | undefined }): { urls: string[]; dropped: number } {
  const found: string[] = [];
  if (bodies.text) found.push(...findUrlsInText(bodies.text));
  if (bodies.html) {
    const html = findLinksInHtml(bodies.html);
    found.push(...html.links.filter(isWebUrl));
    found.push(...findUrlsInText(html.text));
    found.push(...html.resources.filter(isWebUrl));
  }
  return uniqueUrls(found);
}
