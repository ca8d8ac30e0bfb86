// Defanging: a URL, domain, address or IP written so that no viewer or mail client turns it into a link.

/** hxxps://evil[.]test/path, evil[.]test, a@evil[.]test, 192[.]0[.]2[.]1. */
export function defang(value: string): string {
  let rest = value;
  let scheme = "";
  const colon = rest.indexOf("://");
  if (colon > 0 && colon < 12) {
    scheme = `${rest.slice(0, colon).replace(/^http/i, "hxxp").replace(/^ftp/i, "fxp")}://`;
    rest = rest.slice(colon + 3);
  }
  const slash = rest.indexOf("/");
  const host = slash >= 0 ? rest.slice(0, slash) : rest;
  const path = slash >= 0 ? rest.slice(slash) : "";
  return scheme + host.split(".").join("[.]") + path;
}
