// Phishing-simulation vendors as admins list them (headers with optional values, sender domains, sending
// IP ranges), and the report that matches one.
import { BlockList, isIP } from "node:net";
import { defang } from "intake/sdk";

export interface SimulationRules {
  headers: { name: string; value?: string }[];
  domains: string[];
  networks: BlockList;
  networkCount: number;
}

/** Comma-separated list, blanks dropped. */
export function splitList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** Reads the three settings; a CIDR that is none throws naming it. */
export function parseSimulationRules(settings: { headers: string; domains: string; ips: string }): SimulationRules {
  const headers = splitList(settings.headers).map((entry) => {
    const colon = entry.indexOf(":");
    if (colon < 0) return { name: entry.toLowerCase() };
    const value = entry.slice(colon + 1).trim();
    return { name: entry.slice(0, colon).trim().toLowerCase(), ...(value ? { value } : {}) };
  });
  const domains = splitList(settings.domains).map((domain) => domain.toLowerCase().replace(/^\.+|\.+$/g, ""));
  const networks = new BlockList();
  const cidrs = splitList(settings.ips);
  for (const cidr of cidrs) {
    const [address = "", prefix] = cidr.split("/");
    const family = isIP(address);
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
    if (family === 0 || !Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32)) {
      throw new RangeError(`Simulation Sender IPs: ${JSON.stringify(cidr)} is not an address or a CIDR`);
    }
    networks.addSubnet(address, bits, family === 6 ? "ipv6" : "ipv4");
  }
  return { headers, domains, networks, networkCount: cidrs.length };
}

export interface ReportFacts {
  /** The reported message's headers by lower-case name. */
  headers: Record<string, string>;
  senderAddress: string;
  /** IPs of the reported message's Received headers. */
  ips: string[];
}

/** The rule a report matches, said as a reason; undefined when none does. */
export function matchSimulation(rules: SimulationRules, report: ReportFacts): string | undefined {
  for (const rule of rules.headers) {
    const value = Object.hasOwn(report.headers, rule.name) ? report.headers[rule.name] : undefined;
    if (value === undefined) continue;
    if (rule.value === undefined) return `header ${rule.name} present (setting "Simulation Headers")`;
    if (value.trim().toLowerCase() === rule.value.toLowerCase()) return `header ${rule.name}: ${rule.value} (setting "Simulation Headers")`;
  }
  const at = report.senderAddress.lastIndexOf("@");
  const senderDomain = at >= 0 ? report.senderAddress.slice(at + 1).toLowerCase() : "";
  if (senderDomain) {
    for (const domain of rules.domains) {
      if (senderDomain === domain || senderDomain.endsWith(`.${domain}`))
        return `sender domain ${defang(senderDomain)} (setting "Simulation Sender Domains")`;
    }
  }
  if (rules.networkCount > 0) {
    for (const ip of report.ips) {
      const family = isIP(ip);
      if (family && rules.networks.check(ip, family === 6 ? "ipv6" : "ipv4"))
        return `sending IP ${defang(ip)} (setting "Simulation Sender IPs")`;
    }
  }
  return undefined;
}
