// OAuth 2 access tokens for XOAUTH2 logins (Microsoft 365, Gmail): client credentials or a refresh
// token, fetched from the provider's token endpoint and refreshed before they expire.
import { ConnectorError } from "intake/sdk";
import type { OAuth2Settings } from "./settings.js";

/** Refresh this long before the provider says the token expires. */
const EXPIRY_MARGIN_MS = 60_000;

interface TokenResponse {
  access_token?: unknown;
  expires_in?: unknown;
  error?: unknown;
  error_description?: unknown;
}

export class OAuth2TokenProvider {
  readonly #settings: OAuth2Settings;
  #token: string | undefined;
  #expiresAt = 0;

  constructor(settings: OAuth2Settings) {
    this.#settings = settings;
  }

  /** A valid access token; `force` fetches a new one (after the server refused the current one). */
  async accessToken(force = false): Promise<string> {
    if (!force && this.#token && Date.now() < this.#expiresAt - EXPIRY_MARGIN_MS) return this.#token;
    const { tokenUrl, clientId, clientSecret, refreshToken, scope } = this.#settings;
    const form = new URLSearchParams({ client_id: clientId });
    if (refreshToken) {
      form.set("grant_type", "refresh_token");
      form.set("refresh_token", refreshToken);
    } else {
      form.set("grant_type", "client_credentials");
    }
    if (clientSecret) form.set("client_secret", clientSecret);
    if (scope) form.set("scope", scope);
    let response: Response;
    try {
      response = await fetch(tokenUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: form,
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new ConnectorError("OAUTH2_TOKEN", `cannot reach the token endpoint ${new URL(tokenUrl).origin}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    let body: TokenResponse = {};
    try {
      body = (await response.json()) as TokenResponse;
    } catch {
      // A non-JSON answer is reported by its status below.
    }
    if (!response.ok || typeof body.access_token !== "string") {
      const reason = [body.error, body.error_description]
        .filter((v) => typeof v === "string")
        .join(": ")
        .slice(0, 300);
      throw new ConnectorError(
        "OAUTH2_TOKEN",
        `the token endpoint refused client ${clientId} (HTTP ${response.status}${reason ? `, ${reason}` : ""})`,
      );
    }
    this.#token = body.access_token;
    const lifetime = typeof body.expires_in === "number" ? body.expires_in : Number(body.expires_in) || 3600;
    this.#expiresAt = Date.now() + lifetime * 1000;
    return this.#token;
  }
}
