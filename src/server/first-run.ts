// The one-time link `intake serve` prints while no user exists: it opens /setup, which creates the first admin.
import crypto from "node:crypto";

export const SETUP_LINK_MINUTES = 60;

export interface SetupLink {
  readonly token: string;
  /** True for the printed token, before it expired and while no request holds or used it. */
  accepts(token: unknown): boolean;
  /** Takes the token for one request (true), so that a racing request is refused; false when it does not accept it. */
  claim(token: unknown): boolean;
  /** Gives the token back after a claim that created nobody (a bad password, a database error). */
  release(): void;
}

function digest(value: string): Buffer {
  return crypto.createHash("sha256").update(value).digest();
}

export function createSetupLink(now: () => number = Date.now): SetupLink {
  const token = crypto.randomBytes(32).toString("base64url");
  const expected = digest(token);
  const expiresAt = now() + SETUP_LINK_MINUTES * 60_000;
  let claimed = false;
  // Digests of equal length: the comparison takes as long whatever the guess, even its length.
  const accepts = (candidate: unknown) =>
    typeof candidate === "string" && crypto.timingSafeEqual(digest(candidate), expected) && !claimed && now() < expiresAt;
  return {
    token,
    accepts,
    claim(candidate) {
      // No await between the check and the mark: two requests cannot both pass.
      if (!accepts(candidate)) return false;
      claimed = true;
      return true;
    },
    release() {
      claimed = false;
    },
  };
}

/** The link on the address the server listens on (an IPv6 address in brackets). */
export function setupUrl(host: string, port: number, token: string): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}/setup?token=${token}`;
}
