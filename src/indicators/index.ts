// Pure functions that find and normalise indicators in message content.
export { findLinksInHtml, findMessageUrls, findUrlsInText, uniqueUrls, MAX_URLS_PER_MESSAGE } from "./urls.js";
export type { HtmlLinks } from "./urls.js";
