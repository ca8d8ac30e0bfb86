// The one fake the tests allow: a cloud provider's OAuth2 token service on loopback. It issues
// access tokens (client credentials or refresh token) and answers Dovecot's token introspection.
import crypto from "node:crypto";
import http from "node:http";
import { freePort, USER } from "./dovecot.js";

export interface OAuth2Provider {
  port: number;
  tokenUrl: string;
  introspectionUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** How many tokens were issued. */
  issued(): number;
  /** Makes every token issued so far invalid (as a provider's revocation does). */
  revokeAll(): void;
  /** The next token issued is invalid by the time the server introspects it. */
  revokeNextToken(): void;
  stop(): Promise<void>;
}

export async function startOAuth2Provider(): Promise<OAuth2Provider> {
  const clientId = "intake-test-app";
  const clientSecret = crypto.randomBytes(12).toString("hex");
  const refreshToken = crypto.randomBytes(12).toString("hex");
  const active = new Set<string>();
  let issued = 0;
  let revokeNext = false;
  const port = await freePort();
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      const form = new URLSearchParams(body);
      const json = (status: number, value: unknown) => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(value));
      };
      if (request.url === "/token") {
        const grant = form.get("grant_type");
        const ok =
          form.get("client_id") === clientId &&
          ((grant === "client_credentials" && form.get("client_secret") === clientSecret) ||
            (grant === "refresh_token" && form.get("refresh_token") === refreshToken));
        if (!ok) return json(401, { error: "invalid_client", error_description: "unknown client or bad secret" });
        const token = crypto.randomBytes(16).toString("hex");
        if (!revokeNext) active.add(token);
        revokeNext = false;
        issued++;
        return json(200, { access_token: token, token_type: "Bearer", expires_in: 3600 });
      }
      if (request.url === "/introspect") {
        const token = form.get("token") ?? "";
        return json(200, active.has(token) ? { active: true, username: USER } : { active: false });
      }
      json(404, { error: "not_found" });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    port,
    clientId,
    clientSecret,
    refreshToken,
    tokenUrl: `http://127.0.0.1:${port}/token`,
    introspectionUrl: `http://127.0.0.1:${port}/introspect`,
    issued: () => issued,
    revokeAll: () => active.clear(),
    revokeNextToken: () => {
      revokeNext = true;
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Dovecot configuration that accepts XOAUTH2 / OAUTHBEARER through the provider's introspection. */
export function dovecotOAuth2Config(_provider: OAuth2Provider, confFile: string): string {
  return `passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = ${confFile}
}`;
}

export function oauth2ConfFile(provider: OAuth2Provider): string {
  return `introspection_mode = post
introspection_url = ${provider.introspectionUrl}
username_attribute = username
active_attribute = active
active_value = true
`;
}
