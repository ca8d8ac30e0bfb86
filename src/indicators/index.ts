// Pure functions that find and normalise indicators in message content.
export {
  findDefangedUrls,
  findLinksInHtml,
  findMessageUrlDetails,
  findMessageUrls,
  findUrlsInText,
  htmlOffsetOfText,
  isWebUrl,
  refang,
  resourceKindOf,
  trimUrl,
  uniqueUrls,
  MAX_URLS_PER_MESSAGE,
  MAX_SCANNED_CHARS,
  MAX_URL_LENGTH,
} from "./urls.js";
export type { FoundUrl, HtmlLinks, ResourceKind, UrlSource } from "./urls.js";
export { defang } from "./defang.js";
export { describeHost, hostOfAddress, hostOfUrl, hostShownIn, linkTextDomain, mixedScriptsOf } from "./domains.js";
export type { DomainInfo } from "./domains.js";
export { findIpsInText, isPrivateIp, MAX_IPS, MAX_RECEIVED_HEADERS } from "./ips.js";
export type { FoundIp } from "./ips.js";
export { describeFile, sniffType, typeMismatch } from "./files.js";
export type { FileFacts } from "./files.js";
export {
  believedAuthResult,
  combineAuthenticationResults,
  parseAuthenticationResult,
  parseAuthenticationResults,
  parseAuthenticationResultsList,
  MAX_AUTH_RESULTS,
} from "./auth.js";
export type { AuthResult, AuthVerdicts } from "./auth.js";
export { domainCandidates, domainKey, hashKind, indicatorKey, ipKey, isIndicatorKind, urlKey, INDICATOR_KINDS } from "./keys.js";
export type { IndicatorKind } from "./keys.js";
export { analyseHtmlFile, isHtmlFile, looksLikeSmuggling, MAX_HTML_FILE_BYTES } from "./html-file.js";
export type { HtmlFileFacts } from "./html-file.js";
