// Finds the URLs of one message: linkify-it on text (also refanged text), a real HTML parser on HTML.
// Bounded, index-based: no regex with nested quantifiers or overlapping alternatives on mail text.
import LinkifyIt from "linkify-it";
import { Parser } from "htmlparser2";
import { linkTextDomain } from "./domains.js";

/** At most this many URLs are kept per message; more are counted, not kept. */
export const MAX_URLS_PER_MESSAGE = 1000;
/** Text beyond this many characters is not scanned for links. */
export const MAX_SCANNED_CHARS = 2_000_000;
/** A URL longer than this is cut (and noted by the caller through `truncated`). */
export const MAX_URL_LENGTH = 4000;

// Built once: linkify-it compiles its patterns at construction.
const linkify = new LinkifyIt({ fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false });
// Only for spans that were defanged: "evil[.]com/x" has no scheme and must still count.
const fuzzyLinkify = new LinkifyIt({ fuzzyLink: true, fuzzyEmail: false, fuzzyIP: true });

const WEB_SCHEMES = ["http:", "https:", "ftp:"];

export function isWebUrl(url: string): boolean {
  const lower = url.slice(0, 8).toLowerCase();
  return WEB_SCHEMES.some((scheme) => lower.startsWith(scheme));
}

/** Where a URL was seen: decides its order and its entity's `source`. */
export type UrlSource =
  | "text"
  | "defanged text"
  | "html link"
  | "html hidden link"
  | "html text"
  | "html image"
  | "html resource"
  | "qr code";

/** What an HTML resource (a URL the page loads, not one a reader clicks) is. */
export type ResourceKind = "image" | "tracking-pixel" | "stylesheet" | "script" | "font" | "frame" | "form" | "other";

export interface FoundUrl {
  url: string;
  source: UrlSource;
  /** A 1x1 or hidden image: a read receipt for the sender. */
  trackingPixel?: boolean;
  /** Set on what a reader does not click (images, stylesheets, fonts, scripts, frames, forms…). */
  resource?: ResourceKind;
  /** The registrable domain the link's visible text shows, when it is not the one the link goes to. */
  linkTextDomain?: string;
  /** The file name of the image whose QR code holds this URL. */
  qrCode?: string;
}

// Characters people put right after a URL in prose; linkify-it leaves some of them on.
const TRAILING = new Set([".", ",", ";", ":", "!", "?", "'", '"', "*", "\u2019", "\u201d", "\u00bb", ">", "\u3002", "\uff0c"]);
const CLOSERS: Record<string, string> = { ")": "(", "]": "[", "}": "{" };

/** Cuts what writers put around a URL: trailing punctuation, an unbalanced closing bracket. */
export function trimUrl(url: string): string {
  let end = Math.min(url.length, MAX_URL_LENGTH);
  for (;;) {
    if (end === 0) break;
    const last = url[end - 1]!;
    if (TRAILING.has(last)) {
      end--;
      continue;
    }
    const opener = CLOSERS[last];
    if (opener) {
      let open = 0;
      let close = 0;
      for (let i = 0; i < end; i++) {
        if (url[i] === opener) open++;
        else if (url[i] === last) close++;
      }
      if (close > open) {
        end--;
        continue;
      }
    }
    break;
  }
  return url.slice(0, end);
}

/** Scheme and host in lower case, as browsers do; path and query as written. */
export function normaliseUrl(url: string): string {
  const schemeEnd = url.indexOf("://");
  if (schemeEnd < 0) return url;
  let hostEnd = url.length;
  for (let i = schemeEnd + 3; i < url.length; i++) {
    const ch = url[i];
    if (ch === "/" || ch === "?" || ch === "#") {
      hostEnd = i;
      break;
    }
  }
  return url.slice(0, hostEnd).toLowerCase() + url.slice(hostEnd);
}

function scanned(text: string): string {
  return text.length > MAX_SCANNED_CHARS ? text.slice(0, MAX_SCANNED_CHARS) : text;
}

/** Text is handed to linkify-it in pieces of at most this many characters, cut at whitespace. */
const CHUNK = 8192;

/**
 * The text in pieces cut at whitespace (a URL never spans whitespace). linkify-it rescans the rest of
 * its input after each match, so one long line full of URLs costs length x matches; in pieces the
 * cost stays linear. A run without whitespace longer than a piece is cut as it is (URLs are cut at
 * MAX_URL_LENGTH anyway).
 */
function* pieces(text: string): Generator<string> {
  let start = 0;
  while (start < text.length) {
    if (text.length - start <= CHUNK) {
      yield text.slice(start);
      return;
    }
    let end = start + CHUNK;
    while (end > start) {
      const ch = text.charCodeAt(end - 1);
      if (ch === 32 || ch === 10 || ch === 13 || ch === 9) break;
      end--;
    }
    if (end === start) end = start + CHUNK;
    yield text.slice(start, end);
    start = end;
  }
}

function isAsciiSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 13 || code === 9;
}

/**
 * The runs of text between whitespace that hold "://", in order. A URL linkify-it finds with fuzzy
 * links off has a scheme and "//" (http, https, ftp: the only ones kept) and never spans whitespace,
 * so it lies inside such a run, and linkify-it reads a run on its own as it reads it in the whole
 * text (the start of the input counts as the boundary a space is). Mail is mostly words: this hands
 * linkify-it a few short runs instead of every line.
 */
function* runsWithScheme(text: string): Generator<string> {
  let from = 0;
  for (;;) {
    const at = text.indexOf("://", from);
    if (at < 0) return;
    let start = at;
    while (start > 0 && !isAsciiSpace(text.charCodeAt(start - 1))) start--;
    let end = at + 3;
    while (end < text.length && !isAsciiSpace(text.charCodeAt(end))) end++;
    yield text.slice(start, end);
    from = end;
  }
}

/** URLs written in plain text, in order. */
export function findUrlsInText(text: string): string[] {
  const found: string[] = [];
  for (const run of runsWithScheme(scanned(text))) {
    // A run longer than a piece (no whitespace for pages) is read in pieces, as long text always was.
    for (const piece of run.length > CHUNK ? pieces(run) : [run]) {
      for (const match of linkify.match(piece) ?? []) {
        const url = trimUrl(normaliseUrl(match.url));
        if (isWebUrl(url)) found.push(url);
      }
    }
  }
  return found;
}

// Defanging as analysts and mail filters write it, and what each stands for. All are fixed strings,
// matched case-insensitively by index, so hostile text costs one pass.
const DEFANGS: [string, string][] = [
  ["hxxps://", "https://"],
  ["hxxp://", "http://"],
  ["hxxps[:]//", "https://"],
  ["hxxp[:]//", "http://"],
  ["[:]//", "://"],
  ["[://]", "://"],
  ["[.]", "."],
  ["(.)", "."],
  ["{.}", "."],
  ["[dot]", "."],
  ["(dot)", "."],
  ["[at]", "@"],
  ["fxp://", "ftp://"],
];

/** The text with defanged URLs restored, and the positions (in the result) where something was restored. */
export function refang(text: string): { text: string; marks: number[] } {
  const lower = text.toLowerCase();
  if (lower.length !== text.length) return { text, marks: [] };
  // Most text is not defanged at all: a native search per form says so without a pass in JavaScript.
  if (!DEFANGS.some(([from]) => lower.includes(from))) return { text, marks: [] };
  let out = "";
  const marks: number[] = [];
  let copied = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = lower[i];
    if (ch !== "h" && ch !== "[" && ch !== "(" && ch !== "{" && ch !== "f") continue;
    for (const [from, to] of DEFANGS) {
      if (lower.startsWith(from, i)) {
        out += text.slice(copied, i);
        marks.push(out.length);
        out += to;
        copied = i + from.length;
        i = copied - 1;
        break;
      }
    }
  }
  if (marks.length === 0) return { text, marks };
  return { text: out + text.slice(copied), marks };
}

/** URLs written defanged (`hxxps://evil[.]com/x`), refanged; URLs written normally are not included. */
export function findDefangedUrls(text: string): string[] {
  const found: string[] = [];
  for (const piece of pieces(scanned(text))) {
    const { text: refanged, marks } = refang(piece);
    if (marks.length === 0) continue;
    let m = 0;
    for (const match of fuzzyLinkify.match(refanged) ?? []) {
      while (m < marks.length && marks[m]! < match.index) m++;
      // Only the links that a restoration touched: the rest were found as plain text already.
      if (m < marks.length && marks[m]! < match.lastIndex) found.push(trimUrl(normaliseUrl(match.url)));
    }
  }
  return found.filter(isWebUrl);
}

export interface HtmlLinks {
  /** href of visible <a> and <area>: the links a reader clicks. */
  links: string[];
  /** href of links a reader cannot see (display:none, hidden, zero size). */
  hiddenLinks: string[];
  /** src of images; `trackingPixel` for 1x1 or hidden ones. */
  images: { url: string; trackingPixel: boolean }[];
  /** src of frames, scripts, embeds; form actions; link hrefs; background attributes. */
  resources: string[];
  /** What each of `resources` is, index for index. */
  resourceKinds: ResourceKind[];
  /** The visible text of each of `links`, index for index (bounded). */
  linkTexts: string[];
  /** href/src values that are `data:` URIs (left out of the lists above). */
  dataUris: number;
  /** The visible text, for URLs written as text; block elements and <br> start a new line. */
  text: string;
  /** Where pieces of `text` start (and how long they are) in the HTML, ascending: to cut the HTML where its text says. */
  textOffsets: { text: number; html: number; length: number }[];
}

const RESOURCE_ATTRIBUTES: Record<string, string> = {
  iframe: "src",
  frame: "src",
  script: "src",
  embed: "src",
  form: "action",
  source: "src",
  link: "href",
  video: "poster",
  object: "data",
  input: "src",
};

// Style checks by substring on a bounded, lower-cased, space-free copy: no regex on attacker CSS.
function styleOf(attributes: Record<string, string>): string {
  const style = attributes.style;
  return style ? style.slice(0, 2000).toLowerCase().replaceAll(" ", "").replaceAll("\t", "") : "";
}

function isHidden(attributes: Record<string, string>): boolean {
  const style = styleOf(attributes);
  return (
    "hidden" in attributes ||
    style.includes("display:none") ||
    style.includes("visibility:hidden") ||
    style.includes("opacity:0;") ||
    style.endsWith("opacity:0") ||
    style.includes("font-size:0")
  );
}

function tinyDimension(value: string | undefined): boolean {
  if (value === undefined) return false;
  const number = Number.parseFloat(value);
  return Number.isFinite(number) && number <= 1;
}

function isTrackingPixel(attributes: Record<string, string>): boolean {
  if (isHidden(attributes)) return true;
  const style = styleOf(attributes);
  const width = attributes.width ?? (style.includes("width:1px") || style.includes("width:0") ? "1" : undefined);
  const height = attributes.height ?? (style.includes("height:1px") || style.includes("height:0") ? "1" : undefined);
  return tinyDimension(width) && tinyDimension(height);
}

const BREAKS = new Set(["br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "hr", "table"]);

/** Characters of an anchor's visible text kept. */
const MAX_LINK_TEXT = 300;
/** Text positions recorded per document (enough for any real message). */
const MAX_TEXT_OFFSETS = 100_000;

const FONT_ENDINGS = [".woff", ".woff2", ".ttf", ".otf", ".eot"];

/** The path of a URL, lower case, without query or fragment. */
function pathOf(url: string): string {
  let end = url.length;
  for (let i = 0; i < url.length; i++) {
    const ch = url[i];
    if (ch === "?" || ch === "#") {
      end = i;
      break;
    }
  }
  return url.slice(0, Math.min(end, 2000)).toLowerCase();
}

/** What a resource is, by its tag and attributes, then by its URL (a .css or a font file whatever loads it). */
export function resourceKindOf(tag: string, attributes: Record<string, string>, url: string): ResourceKind {
  const path = pathOf(url.trim());
  if (path.endsWith(".css")) return "stylesheet";
  if (FONT_ENDINGS.some((ending) => path.endsWith(ending)) || path.includes("//fonts.gstatic.com/")) return "font";
  const rel = ` ${(attributes.rel ?? "").slice(0, 200).toLowerCase()} `;
  switch (tag) {
    case "script":
      return "script";
    case "iframe":
    case "frame":
      return "frame";
    case "form":
      return "form";
    case "link":
      if (rel.includes(" stylesheet ") || path.includes("//fonts.googleapis.com/css")) return "stylesheet";
      if ((attributes.as ?? "").toLowerCase() === "font") return "font";
      if (rel.includes(" icon ") || rel.includes("apple-touch-icon")) return "image";
      return "other";
    case "video":
    case "input":
      return "image";
    default:
      return "other";
  }
}

function isDataUri(value: string): boolean {
  return value.trimStart().slice(0, 5).toLowerCase() === "data:";
}

/** A data: URI holding a raster image (what mailers inline as pictures), not a page or a script. */
function isDataImage(value: string): boolean {
  const head = value.trimStart().slice(0, 40).toLowerCase();
  return head.startsWith("data:image/") && !head.startsWith("data:image/svg");
}

/** Parses HTML (never renders it) and collects its links; entities in attributes are decoded by the parser. */
export function findLinksInHtml(html: string): HtmlLinks {
  const result: HtmlLinks = {
    links: [],
    hiddenLinks: [],
    images: [],
    resources: [],
    resourceKinds: [],
    linkTexts: [],
    dataUris: 0,
    text: "",
    textOffsets: [],
  };
  const textParts: string[] = [];
  let textLength = 0;
  let skipDepth = 0;
  // Hidden containers: every link inside a display:none element is hidden too.
  const hiddenStack: string[] = [];
  // The visible link being read (its index in `links`), and its text so far.
  let anchor = -1;
  let anchorText = "";
  const endAnchor = () => {
    if (anchor >= 0) result.linkTexts[anchor] = anchorText.trim();
    anchor = -1;
    anchorText = "";
  };
  const addResource = (tag: string, attributes: Record<string, string>, value: string) => {
    if (isDataUri(value)) {
      // An image inlined as data: is ordinary; a page, script or frame carried that way is not.
      if (!isDataImage(value)) result.dataUris++;
      return;
    }
    result.resources.push(value.trim());
    result.resourceKinds.push(tag === "background" ? "image" : resourceKindOf(tag, attributes, value));
  };
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === "style" || name === "script" || name === "title") skipDepth++;
        // Line structure survives in the text (an inline-forwarded header block is read line by line).
        if (BREAKS.has(name) && textLength < MAX_SCANNED_CHARS) {
          textParts.push("\n");
          textLength++;
        }
        const hidden = isHidden(attributes);
        if (hidden && hiddenStack.length < 1000) hiddenStack.push(name);
        const inHidden = hiddenStack.length > 0;
        if ((name === "a" || name === "area") && attributes.href) {
          if (name === "a") endAnchor();
          if (isDataUri(attributes.href)) {
            result.dataUris++;
          } else if (inHidden) {
            result.hiddenLinks.push(attributes.href.trim());
          } else {
            result.links.push(attributes.href.trim());
            result.linkTexts.push("");
            if (name === "a") anchor = result.links.length - 1;
          }
        } else if (name === "img" && attributes.src) {
          if (isDataUri(attributes.src)) {
            if (!isDataImage(attributes.src)) result.dataUris++;
          } else result.images.push({ url: attributes.src.trim(), trackingPixel: inHidden || isTrackingPixel(attributes) });
        } else {
          const attribute = RESOURCE_ATTRIBUTES[name];
          if (attribute && attributes[attribute]) addResource(name, attributes, attributes[attribute]);
        }
        if (attributes.background) addResource("background", attributes, attributes.background);
      },
      onclosetag(name) {
        if ((name === "style" || name === "script" || name === "title") && skipDepth > 0) skipDepth--;
        if (hiddenStack.length && hiddenStack[hiddenStack.length - 1] === name) hiddenStack.pop();
        if (name === "a") endAnchor();
      },
      ontext(text) {
        if (skipDepth === 0 && hiddenStack.length === 0 && textLength < MAX_SCANNED_CHARS) {
          // Joined with one space between pieces: this piece starts after the pieces and spaces before it.
          if (result.textOffsets.length < MAX_TEXT_OFFSETS)
            result.textOffsets.push({ text: textLength + textParts.length, html: parser.startIndex, length: text.length });
          textParts.push(text);
          textLength += text.length;
          if (anchor >= 0 && anchorText.length < MAX_LINK_TEXT) anchorText += text.slice(0, MAX_LINK_TEXT - anchorText.length);
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html.length > MAX_SCANNED_CHARS * 2 ? html.slice(0, MAX_SCANNED_CHARS * 2) : html);
  parser.end();
  endAnchor();
  // Block elements end lines: join with a space so that words of adjacent elements stay apart.
  result.text = textParts.join(" ");
  return result;
}

/**
 * Where in the HTML the text at `textAt` (of findLinksInHtml's `text`) comes from: the start of the piece of
 * text that holds it (`inside`: the HTML may then hold more of that piece before it), else of the first piece
 * after it (text between pieces is the spaces and line breaks that tags stand for); the HTML's end when none.
 */
export function htmlOffsetOfText(
  links: HtmlLinks,
  textAt: number,
  htmlLength = Number.MAX_SAFE_INTEGER,
): { html: number; inside: boolean } {
  const offsets = links.textOffsets;
  let low = 0;
  let high = offsets.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (offsets[middle]!.text <= textAt) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  const piece = found >= 0 ? offsets[found]! : undefined;
  if (piece && textAt < piece.text + piece.length) return { html: piece.html, inside: textAt > piece.text };
  const next = offsets[found + 1];
  return next ? { html: next.html, inside: false } : { html: Math.min(htmlLength, Number.MAX_SAFE_INTEGER), inside: false };
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

function cleanHref(href: string): string {
  // Attribute values may hold newlines and tabs that browsers drop; the parser already decoded entities.
  let clean = "";
  for (const ch of href.length > MAX_URL_LENGTH ? href.slice(0, MAX_URL_LENGTH) : href) {
    if (ch !== "\n" && ch !== "\r" && ch !== "\t") clean += ch;
  }
  return normaliseUrl(clean.trim());
}

/**
 * The URLs of a message's bodies, each once, in order: text part (plain, then defanged), then the
 * HTML's visible links, URLs written in its text, its hidden links, its images, its other resources.
 * `htmlLinks`: the HTML already parsed (findLinksInHtml), which spares parsing it again.
 */
export function findMessageUrlDetails(bodies: {
  text?: string | undefined;
  html?: string | undefined;
  htmlLinks?: HtmlLinks | undefined;
}): { found: FoundUrl[]; dropped: number; dataUris: number } {
  // Each found URL, and for a visible link its text (read for a host only if the URL is kept: bounded work).
  const all: (FoundUrl & { shownText?: string })[] = [];
  let dataUris = 0;
  if (bodies.text) {
    for (const url of findUrlsInText(bodies.text)) all.push({ url, source: "text" });
    for (const url of findDefangedUrls(bodies.text)) all.push({ url, source: "defanged text" });
  }
  const html = bodies.htmlLinks ?? (bodies.html ? findLinksInHtml(bodies.html) : undefined);
  if (html) {
    dataUris = html.dataUris;
    html.links.forEach((href, index) => {
      all.push({ url: cleanHref(href), source: "html link", shownText: html.linkTexts[index] ?? "" });
    });
    for (const url of findUrlsInText(html.text)) all.push({ url, source: "html text" });
    for (const url of findDefangedUrls(html.text)) all.push({ url, source: "defanged text" });
    for (const href of html.hiddenLinks) all.push({ url: cleanHref(href), source: "html hidden link" });
    for (const image of html.images) {
      all.push({
        url: cleanHref(image.url),
        source: "html image",
        ...(image.trackingPixel ? { trackingPixel: true } : {}),
        resource: image.trackingPixel ? "tracking-pixel" : "image",
      });
    }
    html.resources.forEach((href, index) => {
      all.push({ url: cleanHref(href), source: "html resource", resource: html.resourceKinds[index] ?? "other" });
    });
  }
  const seen = new Set<string>();
  const found: FoundUrl[] = [];
  let dropped = 0;
  for (const { shownText, ...item } of all) {
    if (!item.url || !isWebUrl(item.url) || seen.has(item.url)) continue;
    seen.add(item.url);
    if (found.length >= MAX_URLS_PER_MESSAGE) {
      dropped++;
      continue;
    }
    const shown = shownText ? linkTextDomain(shownText, item.url) : undefined;
    found.push(shown ? { ...item, linkTextDomain: shown } : item);
  }
  return { found, dropped, dataUris };
}

/** The URLs of a message's bodies (see findMessageUrlDetails), as strings. */
export function findMessageUrls(bodies: { text?: string | undefined; html?: string | undefined }): { urls: string[]; dropped: number } {
  const { found, dropped } = findMessageUrlDetails(bodies);
  return { urls: found.map((f) => f.url), dropped };
}
