// Replies to reporters: the reply templates (admins edit them, with a preview) and a case's outbox (the case wall).
import type { FastifyInstance, FastifyRequest } from "fastify";
import {
  checkTemplate,
  getReplyTemplate,
  listOutbox,
  listReplyTemplates,
  renderTemplate,
  REPLY_LANGUAGES,
  REPLY_VERDICTS,
  saveReplyTemplate,
} from "../../platform/outbox/index.js";
import type { Store } from "../../platform/store/index.js";
import { requireAdmin } from "../auth.js";
import { errors, idParams } from "../schemas.js";

type Guard = (request: FastifyRequest) => Promise<void>;

const keyParams = {
  type: "object",
  properties: { verdict: { type: "string", enum: [...REPLY_VERDICTS] }, language: { type: "string", enum: [...REPLY_LANGUAGES] } },
  required: ["verdict", "language"],
} as const;
const templateBody = {
  type: "object",
  additionalProperties: false,
  required: ["subject", "text", "html"],
  properties: {
    subject: { type: "string", maxLength: 500 },
    text: { type: "string", maxLength: 50_000 },
    html: { type: "string", maxLength: 50_000 },
  },
} as const;

/** What a preview is filled with: a report whose subject and reasons carry links, to show them defanged. */
const SAMPLE = {
  caseId: 1234,
  reportSubject: "FW: Your mailbox is full - verify at https://mail-verify.example/login",
  reasons: [
    'URL hxxps://mail-verify[.]example/login in URLhaus (feed "urlhaus")',
    "SPF fail, DMARC fail for the sender's domain",
    "seen in case #1200, closed as malicious",
  ],
};

interface TemplateBody {
  subject: string;
  text: string;
  html: string;
}

export function registerReplyRoutes(api: FastifyInstance, store: Store, session: Guard): void {
  const admin = [session, requireAdmin];

  api.get(
    "/reply-templates",
    {
      onRequest: session,
      schema: {
        tags: ["replies"],
        summary: "Every reply template (verdict × language): the admins' edit, else the email integration's default",
        response: errors,
      },
    },
    async () => ({
      templates: await listReplyTemplates(store),
      placeholders: ["{{case.id}}", "{{report.subject}}", "{{verdict}}", "{{reasons}}"],
    }),
  );

  api.put<{ Params: { verdict: string; language: string }; Body: TemplateBody | null }>(
    "/reply-templates/:verdict/:language",
    {
      onRequest: admin,
      schema: {
        tags: ["replies"],
        summary: "Save a reply template (admin); unknown placeholders are refused by name",
        params: keyParams,
        body: templateBody,
        response: errors,
      },
    },
    async (request) => ({
      template: await saveReplyTemplate(store, request.params.verdict, request.params.language, request.body, request.user!.name),
    }),
  );

  api.delete<{ Params: { verdict: string; language: string } }>(
    "/reply-templates/:verdict/:language",
    {
      onRequest: admin,
      schema: {
        tags: ["replies"],
        summary: "Back to the email integration's default template (admin)",
        params: keyParams,
        response: errors,
      },
    },
    async (request) => ({
      template: await saveReplyTemplate(store, request.params.verdict, request.params.language, null, request.user!.name),
    }),
  );

  api.post<{ Params: { verdict: string; language: string }; Body: TemplateBody | Record<string, never> | undefined }>(
    "/reply-templates/:verdict/:language/preview",
    {
      onRequest: session,
      schema: {
        tags: ["replies"],
        summary: "The template (the one sent, or the draft given) rendered with a sample report: values defanged, escaped in HTML",
        params: keyParams,
        response: errors,
      },
    },
    async (request) => {
      const { verdict, language } = request.params;
      const template =
        request.body && Object.keys(request.body).length
          ? checkTemplate(`${verdict}/${language}`, request.body)
          : await getReplyTemplate(store, verdict, language);
      return { preview: renderTemplate(template, { ...SAMPLE, verdict }) };
    },
  );

  api.get<{ Params: { id: number } }>(
    "/cases/:id/outbox",
    {
      onRequest: session,
      schema: {
        tags: ["replies"],
        summary: "The case's outgoing mail, newest first: recipient, status, attempts with their errors, SMTP response",
        params: idParams,
        response: errors,
      },
    },
    async (request) => ({ outbox: await listOutbox(store, { caseId: request.params.id }) }),
  );
}
