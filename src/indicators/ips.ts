// IP addresses from Received headers: split into candidate tokens by index, each checked by node:net's
// isIP (no regex on the header); private, loopback, link-local and documentation ranges are marked.
import { BlockList, isIP } from "node:net";

export interface FoundIp {
  value: string;
  version: 4 | 6;
  /** Not routable on the internet: private, loopback, link-local, CGNAT, documentation, unique-local. */
  private: boolean;
}

/** At most this many Received headers are read, and this many addresses kept per message. */
export const MAX_RECEIVED_HEADERS = 50;
export const MAX_IPS = 100;

const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ["10.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["100.64.0.0", 10],
  ["0.0.0.0", 8],
  ["192.0.2.0", 24],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["2001:db8::", 32],
  ["ff00::", 8],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, "ipv6");
}

export function isPrivateIp(value: string): boolean {
  const version = isIP(value);
  if (version === 4) return NON_PUBLIC.check(value, "ipv4");
  if (version === 6) {
    // An IPv4-mapped address is as private as its IPv4 part.
    const lower = value.toLowerCase();
    if (lower.startsWith("::ffff:") && isIP(lower.slice(7)) === 4) return NON_PUBLIC.check(lower.slice(7), "ipv4");
    return NON_PUBLIC.check(value, "ipv6");
  }
  return false;
}

function isIpChar(code: number): boolean {
  return (code >= 48 && code <= 58) || (code >= 97 && code <= 102) || (code >= 65 && code <= 70) || code === 46;
}

/** Addresses written in one header value, in order, each once. */
export function findIpsInText(text: string, limit = MAX_IPS): FoundIp[] {
  const out: FoundIp[] = [];
  const seen = new Set<string>();
  const scanned = text.length > 20_000 ? text.slice(0, 20_000) : text;
  let start = -1;
  for (let i = 0; i <= scanned.length; i++) {
    const inside = i < scanned.length && isIpChar(scanned.charCodeAt(i));
    if (inside && start < 0) start = i;
    if (!inside && start >= 0) {
      let token = scanned.slice(start, i);
      start = -1;
      // "IPv6:2001:db8::1" in a domain literal; trailing dots or colons of prose.
      if (
        token.toLowerCase().startsWith("6:") &&
        scanned.slice(Math.max(0, i - token.length - 3), i - token.length).toLowerCase() === "ipv"
      )
        token = token.slice(2);
      while (token.endsWith(".") || (token.endsWith(":") && !token.endsWith("::"))) token = token.slice(0, -1);
      const version = isIP(token);
      if (version === 0) continue;
      const value = version === 6 ? token.toLowerCase() : token;
      if (seen.has(value)) continue;
      seen.add(value);
      out.push({ value, version: version as 4 | 6, private: isPrivateIp(value) });
      if (out.length >= limit) break;
    }
  }
  return out;
}
