// Sign-in throttling: failures per client address across every name, and a growing delay per name.
import net from "node:net";

export interface SignInLimits {
  /** Failed sign-ins allowed per client address within `windowMs`, counting those under way. */
  failuresPerAddress: number;
  windowMs: number;
  /** Failures for one name (from any address) before its sign-ins wait. */
  freeFailuresPerName: number;
  /** The first wait; it doubles with each further failure, up to `maxDelayMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** A name's failures are forgotten this long after its last one, or at once on a success. */
  nameMemoryMs: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = {
  failuresPerAddress: 10,
  windowMs: 60_000,
  freeFailuresPerName: 5,
  firstDelayMs: 250,
  maxDelayMs: 8_000,
  nameMemoryMs: 15 * 60_000,
};

/** Past this many remembered addresses or names, the stale ones are dropped. */
const PRUNE_ABOVE = 10_000;

/** One sign-in under way: wait `delayMs`, check the password, then `end` with the outcome. */
export interface Attempt {
  delayMs: number;
  end(succeeded: boolean): void;
}

/** IPv6 clients by their /64 (one subscriber's network hands out any address in it); IPv4-mapped as IPv4. */
export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (net.isIPv6(address)) {
    const [head = "", tail] = address.toLowerCase().split("::");
    const left = head ? head.split(":") : [];
    const right = tail ? tail.split(":") : [];
    const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
    return `${groups
      .slice(0, 4)
      .map((group) => group.replace(/^0+(?=.)/, ""))
      .join(":")}::/64`;
  }
  return address;
}

export class SignInThrottle {
  private readonly addresses = new Map<string, { failures: number[]; underWay: number }>();
  private readonly names = new Map<string, { failures: number; last: number }>();

  constructor(
    private readonly limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** An attempt for `name` from `address`, or the seconds to wait when that address has used its failures. */
  begin(address: string, name: string): { attempt: Attempt } | { retryAfterSeconds: number } {
    const now = this.now();
    this.prune(now);
    const addressKey = clientKey(address);
    const byAddress = this.addresses.get(addressKey) ?? { failures: [], underWay: 0 };
    byAddress.failures = byAddress.failures.filter((time) => time > now - this.limits.windowMs);
    // Attempts under way count as failures: forty sent at once are as many as forty sent in turn.
    if (byAddress.failures.length + byAddress.underWay >= this.limits.failuresPerAddress) {
      const oldest = byAddress.failures[0] ?? now;
      return { retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.limits.windowMs - now) / 1000)) };
    }
    byAddress.underWay++;
    this.addresses.set(addressKey, byAddress);
    const nameKey = name.normalize("NFC").toLowerCase();
    const byName = this.recentFailures(nameKey, now);
    const delayMs = byName ? Math.max(0, byName.last + this.delayAfter(byName.failures) - now) : 0;
    let ended = false;
    return {
      attempt: {
        delayMs,
        end: (succeeded) => {
          if (ended) return;
          ended = true;
          byAddress.underWay--;
          if (succeeded) {
            this.names.delete(nameKey);
            return;
          }
          const at = this.now();
          byAddress.failures.push(at);
          const entry = this.recentFailures(nameKey, at) ?? { failures: 0, last: at };
          entry.failures++;
          entry.last = at;
          this.names.set(nameKey, entry);
        },
      },
    };
  }

  private recentFailures(nameKey: string, now: number): { failures: number; last: number } | undefined {
    const entry = this.names.get(nameKey);
    if (entry && entry.last > now - this.limits.nameMemoryMs) return entry;
    this.names.delete(nameKey);
    return undefined;
  }

  /** The wait after a name's nth failure: none for the first few, then doubling to the cap. */
  private delayAfter(failures: number): number {
    const beyond = failures - this.limits.freeFailuresPerName;
    return beyond < 0 ? 0 : Math.min(this.limits.firstDelayMs * 2 ** beyond, this.limits.maxDelayMs);
  }

  private prune(now: number): void {
    if (this.addresses.size > PRUNE_ABOVE) {
      for (const [key, entry] of this.addresses) {
        if (entry.underWay === 0 && (entry.failures.at(-1) ?? 0) <= now - this.limits.windowMs) this.addresses.delete(key);
      }
    }
    if (this.names.size > PRUNE_ABOVE) {
      for (const [key, entry] of this.names) if (entry.last <= now - this.limits.nameMemoryMs) this.names.delete(key);
    }
  }
}
