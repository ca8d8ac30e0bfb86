// The reply templates API through fastify.inject on a real SQLite file: defaults, an admin's edit (an
// unknown placeholder refused by name, analysts refused), the preview defanged and escaped, a case's outbox.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestAs, startApi, type ApiFixture } from "./support/api.js";

let api: ApiFixture;
beforeAll(async () => {
  api = await startApi("intake-replies-");
});
afterAll(async () => {
  await api?.close();
});

describe("reply templates", () => {
  it("lists the package's defaults for every verdict in English and Korean", async () => {
    const response = await requestAs(api.app, api.analyst, "GET", "/api/reply-templates");
    expect(response.statusCode).toBe(200);
    const { templates } = response.json() as { templates: { verdict: string; language: string; edited: boolean; text: string }[] };
    expect(templates.map((t) => `${t.verdict}/${t.language}`)).toEqual(
      ["malicious", "suspicious", "benign", "simulation", "unknown"].flatMap((v) => [`${v}/en`, `${v}/ko`]),
    );
    expect(templates.every((t) => !t.edited && t.text.includes("{{case.id}}"))).toBe(true);
  });

  it("saves an admin's edit, refuses an unknown placeholder by name and an analyst, and goes back to the default", async () => {
    const draft = {
      subject: "Re: your report (case {{case.id}})",
      text: "Case {{case.id}}: {{verdict}}\n{{reasons}}",
      html: "<p>{{reasons}}</p>",
    };
    expect((await requestAs(api.app, api.analyst, "PUT", "/api/reply-templates/benign/en", draft)).statusCode).toBe(403);
    const refused = await requestAs(api.app, api.admin, "PUT", "/api/reply-templates/benign/en", { ...draft, text: "{{sender}}" });
    expect([refused.statusCode, refused.json().error.code]).toEqual([400, "REPLY_TEMPLATE_INVALID"]);
    expect(refused.json().error.message).toContain("{{sender}}");
    const saved = await requestAs(api.app, api.admin, "PUT", "/api/reply-templates/benign/en", draft);
    expect(saved.statusCode).toBe(200);
    expect(saved.json().template).toMatchObject({ ...draft, edited: true, updatedBy: "ada" });
    const preview = await requestAs(api.app, api.analyst, "POST", "/api/reply-templates/benign/en/preview", {});
    expect(preview.json().preview.subject).toBe("Re: your report (case 1234)");
    // The reported subject is an outsider's text: refused in a subject, by name.
    const outsider = await requestAs(api.app, api.admin, "PUT", "/api/reply-templates/benign/en", {
      ...draft,
      subject: "Re: {{report.subject}}",
    });
    expect([outsider.statusCode, outsider.json().error.code]).toEqual([400, "REPLY_TEMPLATE_INVALID"]);
    expect(outsider.json().error.message).toContain("stays out of a reply's subject");
    expect(preview.json().preview.text).toMatch(/^Case 1234: benign\n- URL hxxps/);
    const draftPreview = await requestAs(api.app, api.analyst, "POST", "/api/reply-templates/benign/ko/preview", {
      subject: "S",
      text: "{{report.subject}}",
      html: "<b>{{report.subject}}</b>",
    });
    expect(draftPreview.json().preview.html).not.toContain("https://");
    const reset = await requestAs(api.app, api.admin, "DELETE", "/api/reply-templates/benign/en");
    expect(reset.json().template.edited).toBe(false);
    const unknown = await requestAs(api.app, api.admin, "PUT", "/api/reply-templates/spam/en", draft);
    expect(unknown.statusCode).toBe(400);
  });

  it("gives a case's outbox (empty without replies)", async () => {
    const response = await requestAs(api.app, api.analyst, "GET", "/api/cases/1/outbox");
    expect([response.statusCode, response.json()]).toEqual([200, { outbox: [] }]);
  });
});
