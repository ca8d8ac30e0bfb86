// "Reply To Reporter": thanks each person who reported the case's mail with the outcome, threaded under
// their report and in their language; the platform's outbox sends each reply once.
import { isVerdict, VERDICTS, type ActionExecution } from "intake/sdk";
import { planReplies, splitList } from "../lib/reply-plan.js";

/** Reasons as one a line, or a JSON list of strings (a step's `[Step.x.JsonResult.reasons]`). */
function readReasons(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    try {
      const list = JSON.parse(trimmed) as unknown;
      if (Array.isArray(list))
        return list
          .map((item) => String(item).trim())
          .filter(Boolean)
          .slice(0, 50);
    } catch {
      // Not JSON after all: read as lines.
    }
  }
  return trimmed
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(0, 50);
}

export default async function main(execution: ActionExecution) {
  const verdict = execution.extractActionParam("Verdict", { defaultValue: "unknown" }).trim().toLowerCase() || "unknown";
  const templateKind = execution.extractActionParam("Template Kind", { defaultValue: "" }).trim().toLowerCase();
  const kind = templateKind || verdict;
  if (!isVerdict(kind))
    throw new Error(
      `"${templateKind ? "Template Kind" : "Verdict"}" must be one of ${VERDICTS.join(", ")}, not ${JSON.stringify(kind.slice(0, 50))}`,
    );
  const reasons = readReasons(execution.extractActionParam("Reasons", { defaultValue: "" }));
  const defaultLanguage = execution.extractActionParam("Default Language", { defaultValue: "en" });

  const policy = {
    reporterDomains: splitList(execution.extractActionParam("Reporter Domains", { defaultValue: "" })),
    trustedServers: splitList(execution.extractActionParam("Trusted Authentication Servers", { defaultValue: "" })),
  };
  const plan = planReplies(execution.currentCase, defaultLanguage, policy);
  for (const skipped of plan.skipped) execution.logger.warn(`report ${skipped.alert}: no reply: ${skipped.reason}`);
  for (const reply of plan.replies) {
    // The reported subject is the outsider's text: it stays out of the reply (the reply threads by In-Reply-To).
    const rendered = await execution.renderReply({ verdict: kind, language: reply.language, reportSubject: "", reasons });
    execution.sendEmail({
      to: reply.to,
      subject: rendered.subject,
      text: rendered.text,
      ...(rendered.html ? { html: rendered.html } : {}),
      ...(reply.messageId ? { inReplyTo: reply.messageId, references: [reply.messageId] } : {}),
      language: rendered.language,
      // One reply per report, whatever step, run or retry stages it.
      onceKey: `reply-to-reporter:${reply.alert}`,
    });
    execution.logger.info(`report ${reply.alert}: reply to ${reply.to} (${rendered.language}, ${kind}) queued`);
  }
  execution.result.addResultJson({
    verdict: kind,
    replies: plan.replies.map((reply) => ({ alert: reply.alert, to: reply.to, language: reply.language })),
    skipped: plan.skipped,
  });
  // The case wall shows this message: why a reporter got no reply is read there.
  const why = plan.skipped.length
    ? `: ${plan.skipped
        .slice(0, 3)
        .map((item) => item.reason)
        .join("; ")}`
    : "";
  execution.end(`${plan.replies.length} reply(ies) queued, ${plan.skipped.length} report(s) without one${why}`, plan.replies.length);
}
