// Sign-in throttling on a clock the test moves: the per-address budget, the per-name delay, what clears them.
import { describe, expect, it } from "vitest";
import { clientKey, DEFAULT_SIGN_IN_LIMITS, SignInThrottle } from "../../src/server/sign-in-limits.js";

/** A throttle under the limits the server runs with (10 failures an address a minute, 5 free a name, then 250 ms
 * doubling to 8 s, forgotten after 15 minutes): the counts and delays the tests expect are theirs. */
function throttle() {
  const clock = { now: 1_000_000 };
  return { clock, limiter: new SignInThrottle(DEFAULT_SIGN_IN_LIMITS, () => clock.now) };
}

function attempt(limiter: SignInThrottle, address: string, name: string) {
  const started = limiter.begin(address, name);
  if (!("attempt" in started)) throw new Error(`refused for ${started.retryAfterSeconds} s`);
  return started.attempt;
}

describe("sign-in throttling", () => {
  it("waits longer after each failure for a name beyond the first five, whatever the address, up to the cap", () => {
    const { clock, limiter } = throttle();
    const delays: number[] = [];
    for (let i = 0; i < 12; i++) {
      const next = attempt(limiter, `198.51.100.${i}`, "admin");
      delays.push(next.delayMs);
      next.end(false);
    }
    expect(delays).toEqual([0, 0, 0, 0, 0, 250, 500, 1000, 2000, 4000, 8000, 8000]);
    // Measured from the last failure: an attempt a while later waits only what is left.
    clock.now += 3000;
    expect(attempt(limiter, "198.51.100.99", "ADMIN").delayMs).toBe(5000);
  });

  it("forgets a name's failures on a success and after a quiet while", () => {
    const { clock, limiter } = throttle();
    for (let i = 0; i < 8; i++) attempt(limiter, `198.51.100.${i}`, "admin").end(false);
    expect(attempt(limiter, "203.0.113.1", "admin").delayMs).toBeGreaterThan(0);
    attempt(limiter, "203.0.113.1", "admin").end(true);
    expect(attempt(limiter, "203.0.113.2", "admin").delayMs).toBe(0);

    for (let i = 0; i < 8; i++) attempt(limiter, `198.51.100.${i}`, "ops").end(false);
    clock.now += DEFAULT_SIGN_IN_LIMITS.nameMemoryMs;
    expect(attempt(limiter, "203.0.113.3", "ops").delayMs).toBe(0);
  });

  it("allows an address ten failures a minute across names, counting attempts under way, and never a success's worth less", () => {
    const { clock, limiter } = throttle();
    const underWay = Array.from({ length: 10 }, (_, i) => attempt(limiter, "192.0.2.1", `name${i}`));
    const refused = limiter.begin("192.0.2.1", "another");
    expect(refused).toEqual({ retryAfterSeconds: 60 });
    // Another address is not touched.
    expect("attempt" in limiter.begin("192.0.2.2", "another")).toBe(true);
    // Successes give the slot back; failures keep it for the window.
    for (const attempt of underWay.slice(0, 3)) attempt.end(true);
    for (const attempt of underWay.slice(3)) attempt.end(false);
    for (let i = 0; i < 3; i++) attempt(limiter, "192.0.2.1", `more${i}`).end(false);
    clock.now += 30_000;
    expect(limiter.begin("192.0.2.1", "late")).toEqual({ retryAfterSeconds: 30 });
    clock.now += 30_001;
    expect("attempt" in limiter.begin("192.0.2.1", "late")).toBe(true);
  });

  it("counts an IPv6 client by its /64 and an IPv4-mapped one as IPv4", () => {
    const addresses = ["2001:db8:1:2:aaaa::1", "2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:db8::1", "::1", "::ffff:192.0.2.7", "192.0.2.7"];
    expect(addresses.map(clientKey)).toEqual([
      "2001:db8:1:2::/64",
      "2001:db8:1:2::/64",
      "2001:db8:0:0::/64",
      "0:0:0:0::/64",
      "192.0.2.7",
      "192.0.2.7",
    ]);
    const { limiter } = throttle();
    for (let i = 0; i < 10; i++) attempt(limiter, `2001:db8:1:2::${i + 1}`, `n${i}`).end(false);
    expect("retryAfterSeconds" in limiter.begin("2001:db8:1:2:ffff::9", "x")).toBe(true);
    expect("attempt" in limiter.begin("2001:db8:1:3::1", "x")).toBe(true);
  });
});
