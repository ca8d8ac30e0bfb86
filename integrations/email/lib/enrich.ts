// What the connector's settings add to or decide about one message: refused senders, exclusions,
// environment, extra header fields, the original .eml.
import { convertDatetimeToUnixTime, type AlertInfo } from "intake/sdk";
import { alertIdOf, buildAlert, type MessageOrigin } from "./build-alert.js";
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

/** A message's main fields under a prefix: `orig_Subject`, `attach_From`… */
function prefixed(prefix: string, message: MessageReport): Record<string, unknown> {
  return {
    [`${prefix}_Subject`]: message.subject,
    [`${prefix}_From`]: message.from,
    [`${prefix}_To`]: message.to,
    [`${prefix}_MessageId`]: message.messageId ?? "",
    ...(message.date ? { [`${prefix}_Date`]: convertDatetimeToUnixTime(message.date) } : {}),
    [`${prefix}_Urls`]: message.urls,
  };
}

/**
 * The alerts of one message. A report that forwards mails as attachments carries the wrapper's fields
 * under Original Received Mail Prefix and each attached mail's under Attached Mail File Prefix
 * (`attach_`, then `attach2_`…); with "Create a Separate Alert per Attached Mail File?", each
 * attached mail is an alert of its own, with the id `REPORT-ID#N`.
 */
export function alertsOf(settings: EmailSettings, report: MessageReport, origin: MessageOrigin): AlertInfo[] {
  const attached = report.forwarded;
  const separate = settings.separateAlertPerAttachedMail && attached.length > 1;
  const variants = separate ? attached.map((mail) => ({ ...report, forwarded: [mail] })) : [report];
  return variants.map((variant, index) => {
    const alert = applySettings(settings, report, buildAlert(variant, origin));
    if (attached.length) {
      const event = alert.events[0]!;
      Object.assign(event, prefixed(settings.originalPrefix, report));
      const mails = separate ? [attached[index]!] : attached;
      mails.forEach((mail, n) => {
        Object.assign(event, prefixed(n === 0 ? settings.attachedPrefix : `${settings.attachedPrefix}${n + 1}`, mail));
      });
    }
    if (separate) {
      alert.display_id = alert.ticket_id = `${alertIdOf(report)}#${index + 1}`;
      alert.notes.push(`attached mail ${index + 1} of ${attached.length} of the report ${alertIdOf(report)}`);
    }
    return alert;
  });
}
