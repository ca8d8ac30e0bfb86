// What an HTML attachment does when opened: a password form (and where it posts) or script that builds the
// page or a file from encoded data (HTML smuggling). Parsed, never run; the first 2 MB only.
import { Parser } from "htmlparser2";

/** Bytes of an HTML file read. */
export const MAX_HTML_FILE_BYTES = 2 * 1024 * 1024;
/** Characters of script (inline scripts and on* handlers) looked into. */
const MAX_SCRIPT_CHARS = 2_000_000;
/** A run of base64 characters this long in a script is a payload, not code. */
const LONG_BASE64 = 1000;

export interface HtmlFileFacts {
  /** An input of type password (in a form or posted by script). */
  passwordForm: boolean;
  /** Script that writes the page or a file from encoded data (atob, Blob, msSaveOrOpenBlob, document.write…). */
  smuggling: boolean;
  /** The host a password form posts to, when its action is an absolute URL. */
  formAction?: string;
}

function hostOf(action: string): string | undefined {
  const trimmed = action.trim();
  const lower = trimmed.slice(0, 8).toLowerCase();
  if (!lower.startsWith("http://") && !lower.startsWith("https://") && !trimmed.startsWith("//")) return undefined;
  try {
    return new URL(trimmed.startsWith("//") ? `https:${trimmed}` : trimmed).hostname || undefined;
  } catch {
    return undefined;
  }
}

function isBase64Char(code: number): boolean {
  return (
    (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 43 || code === 47 || code === 61
  );
}

/** Whether the text holds a run of base64 characters at least LONG_BASE64 long (one pass). */
function hasLongBase64(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    if (isBase64Char(text.charCodeAt(i))) {
      if (++run >= LONG_BASE64) return true;
    } else {
      run = 0;
    }
  }
  return false;
}

/** HTML smuggling, from the script's words (fixed substrings: nothing to backtrack). */
export function looksLikeSmuggling(script: string): boolean {
  if (!script) return false;
  const has = (word: string) => script.includes(word);
  if (has("msSaveOrOpenBlob")) return true;
  const decodes = has("atob(") || has("unescape(") || has("fromCharCode") || has("decodeURIComponent(") || has("base64ToArrayBuffer");
  const blob = has("new Blob") || has("Blob(");
  const objectUrl = has("createObjectURL");
  if (blob && (objectUrl || decodes)) return true;
  if ((has("document.write") || has("outerHTML") || has("innerHTML")) && decodes && has("atob(")) return true;
  if (has("document.write") && (has("unescape(") || has("fromCharCode"))) return true;
  return (objectUrl || has("atob(")) && hasLongBase64(script);
}

/** What an HTML file does, from its first MAX_HTML_FILE_BYTES bytes. */
export function analyseHtmlFile(data: Uint8Array): HtmlFileFacts {
  const bytes = data.byteLength > MAX_HTML_FILE_BYTES ? data.subarray(0, MAX_HTML_FILE_BYTES) : data;
  const html = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  const facts: HtmlFileFacts = { passwordForm: false, smuggling: false };
  const scripts: string[] = [];
  let scriptLength = 0;
  const keepScript = (text: string) => {
    if (scriptLength >= MAX_SCRIPT_CHARS) return;
    const piece = text.slice(0, MAX_SCRIPT_CHARS - scriptLength);
    scripts.push(piece);
    scriptLength += piece.length;
  };
  // The form being read (its action), or undefined outside a form.
  let formAction: string | undefined;
  let inForm = false;
  let inScript = false;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === "form") {
          inForm = true;
          formAction = attributes.action;
        } else if (name === "input" && (attributes.type ?? "").trim().toLowerCase() === "password") {
          facts.passwordForm = true;
          const host = inForm && formAction ? hostOf(formAction) : undefined;
          if (host && !facts.formAction) facts.formAction = host.toLowerCase();
        } else if (name === "script") {
          inScript = true;
        }
        for (const [attribute, value] of Object.entries(attributes)) {
          if (attribute.startsWith("on") || (attribute === "href" && value.trimStart().toLowerCase().startsWith("javascript:")))
            keepScript(value);
        }
      },
      onclosetag(name) {
        if (name === "form") {
          inForm = false;
          formAction = undefined;
        } else if (name === "script") {
          inScript = false;
          keepScript("\n");
        }
      },
      ontext(text) {
        if (inScript) keepScript(text);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  facts.smuggling = looksLikeSmuggling(scripts.join(""));
  return facts;
}

/** Whether an attachment is an HTML file, by its name, its declared type or its bytes. */
export function isHtmlFile(fileName: string, declaredType: string, sniffedType: string | undefined): boolean {
  const name = fileName.toLowerCase();
  return (
    [".htm", ".html", ".shtml", ".xhtml"].some((ending) => name.endsWith(ending)) ||
    declaredType === "text/html" ||
    declaredType === "application/xhtml+xml" ||
    sniffedType === "text/html"
  );
}
