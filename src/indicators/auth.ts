// Authentication-Results (RFC 8601): the SPF, DKIM and DMARC verdicts, read by splitting on ";" and
// whitespace (no regex on the header).

export interface AuthVerdicts {
  spf?: string;
  dkim?: string;
  dmarc?: string;
  /** The authserv-id: which server judged. */
  server?: string;
}

const METHODS = ["spf", "dkim", "dmarc"] as const;

/** Verdicts of one Authentication-Results header value; the first verdict of each method wins. */
export function parseAuthenticationResults(value: string): AuthVerdicts {
  const text = value.length > 10_000 ? value.slice(0, 10_000) : value;
  const parts = text.split(";");
  const out: AuthVerdicts = {};
  const server = parts[0]?.trim().split(" ")[0];
  if (server && !server.includes("=")) out.server = server;
  for (const part of parts) {
    const token = part.trim().split(" ")[0]?.split("\t")[0] ?? "";
    const eq = token.indexOf("=");
    if (eq <= 0) continue;
    const method = token.slice(0, eq).toLowerCase();
    const result = token.slice(eq + 1).toLowerCase();
    for (const name of METHODS) {
      if (method === name && out[name] === undefined && result) out[name] = result;
    }
  }
  return out;
}

/** Verdicts over several headers (the topmost, added by the receiving server, first). */
export function combineAuthenticationResults(values: string[]): AuthVerdicts {
  const out: AuthVerdicts = {};
  for (const value of values.slice(0, 20)) {
    const one = parseAuthenticationResults(value);
    for (const name of [...METHODS, "server"] as const) if (out[name] === undefined && one[name] !== undefined) out[name] = one[name];
  }
  return out;
}
