// What the connector's settings add to or decide about one message: refused senders, exclusions,
// environment, extra header fields, the original .eml.
import type { AlertInfo } from "intake/sdk";
import type { MessageReport } from "./read-message.js";
import { environmentOf, exclusionReason, type EmailSettings } from "./settings.js";

/** Why a message is not turned into an alert, or undefined when it is. */
export function skipReason(settings: EmailSettings, report: MessageReport): string | undefined {
  if (!settings.allowedSenders.allows(report.fromAddress)) {
    return `refused: the sender ${report.fromAddress || "(none)"} is not on the Allowed Senders list`;
  }
  const excluded = exclusionReason(settings, report.subject, report.bodyText);
  return excluded ? `excluded: ${excluded}` : undefined;
}

/** Event field name of an extra header: "X-Mailer" → "header_X-Mailer". */
export function headerFieldName(key: string): string {
  return `header_${key}`;
}

export function applySettings(settings: EmailSettings, report: MessageReport, alert: AlertInfo): AlertInfo {
  const event = alert.events[0]!;
  if (!settings.additionalHeaders.empty) {
    const values = new Map<string, string[]>();
    for (const header of report.headers) {
      if (!settings.additionalHeaders.matches(header.key)) continue;
      values.set(header.key, [...(values.get(header.key) ?? []), header.value]);
    }
    for (const [key, list] of values) event[headerFieldName(key)] = list.length === 1 ? list[0] : list;
  }
  const environment = environmentOf(settings, event);
  if (environment) alert.environment = environment;
  if (!settings.attachOriginal) {
    // Teams that must not store whole messages keep only the parsed fields.
    alert.attachments = alert.attachments.filter((file) => file.contentType !== "message/rfc822" || file.fileName !== "original.eml");
  }
  return alert;
}
