// Builds the alert and its one event of SPEC.md from a read message.
import { AlertInfo, Priority, convertDatetimeToUnixTime, type EventRecord } from "intake/sdk";
import type { MessageReport } from "./read-message.js";

export const PRODUCT = "Mail";
export const EVENT_NAME = "Suspicious email";

export interface MessageOrigin {
  uid: number;
  folder: string;
  /** When the server received it (INTERNALDATE): the time of a message whose Date is missing. */
  internalDate?: Date;
}

export function alertIdOf(report: MessageReport): string {
  return report.messageId ?? `sha256:${report.contentHash}`;
}

export function buildAlert(report: MessageReport, origin: MessageOrigin): AlertInfo {
  const notes = [...report.notes];
  let when = report.date;
  if (!when) {
    when = origin.internalDate ?? new Date();
    notes.push(`the Date header is missing or unreadable: the time is the server's ${origin.internalDate ? "INTERNALDATE" : "time of reading"}`);
  }
  const time = convertDatetimeToUnixTime(when);
  const id = alertIdOf(report);

  const event: EventRecord = {
    StartTime: time,
    EndTime: time,
    event_name: EVENT_NAME,
    device_product: PRODUCT,
    Subject: report.subject,
    SourceUserName: report.from,
    SourceEmailAddress: report.fromAddress,
    DestinationUserName: report.to,
    found_url: report.urls.join(","),
    found_urls: report.urls,
    MessageId: report.messageId ?? "",
    Size: report.size,
  };

  const alert = new AlertInfo();
  alert.display_id = id;
  alert.ticket_id = id;
  alert.name = report.subject || "(no subject)";
  alert.rule_generator = PRODUCT;
  alert.start_time = time;
  alert.end_time = time;
  alert.priority = Priority.MEDIUM;
  alert.device_vendor = PRODUCT;
  alert.device_product = PRODUCT;
  alert.events.push(event);
  alert.extensions = { folder: origin.folder, uid: origin.uid };
  alert.entities = report.urls.map((url) => ({ type: "URL", value: url, source: "body" }));
  if (report.fromAddress) alert.entities.push({ type: "EMAIL_ADDRESS", value: report.fromAddress, source: "From" });
  alert.notes = notes;
  return alert;
}
