// ActionExecution: what an action's main function receives (SecOps' SiemplifyAction), and what it hands
// back to the platform: result value, JSON result, entity updates and insights.
import { CodeExecution, codeExecutionInit, type ExtractParam, type IntegrationCodeInit } from "./code-execution.js";
import { INTEL_SERVICES, MAX_LOOKUP_ITEMS, type IndicatorLookupItem, type IndicatorMatch } from "./intel.js";
import { isPriority, isVerdict, PRIORITIES, VERDICTS, type Verdict } from "./vocabulary.js";
import {
  MAILBOX_SERVICES,
  MAX_MAILBOX_MOVES_PER_CALL,
  type MailboxMove,
  type MailboxMoveStatus,
  type MailboxMoveUpdate,
  type NewMailboxMove,
} from "./mailbox.js";
import {
  MAX_EVIDENCE_INDICATOR_LENGTH,
  MAX_EVIDENCE_NAME_LENGTH,
  MAX_VERDICT_EVIDENCE,
  MAX_VERDICT_REASON_LENGTH,
  MAX_VERDICT_REASONS,
  type VerdictEvidence,
} from "./verdict.js";

/** A case's entity as an action sees it (SecOps' entity object). */
export interface ActionEntity {
  identifier: string;
  entityType: string;
  /** Properties stored on the entity: the connector's attributes and earlier actions' updates (strings). */
  additionalProperties: Record<string, string>;
  isInternal?: boolean;
  isSuspicious?: boolean;
  isEnriched?: boolean;
  /** What it is to the reported item (sender, recipient, reporter…), as the connector said; null: none. */
  role?: string | null;
  /** 0: in the item the connector read; 1: in an item forwarded in it… (the least where it was found). */
  depth?: number;
}

export type ActionResultValue = string | number | boolean | null;

/** SecOps' execution states an action may end with (`end(message, value, state)`). */
export const ExecutionState = { COMPLETED: "completed", FAILED: "failed" } as const;
export type ExecutionStateValue = (typeof ExecutionState)[keyof typeof ExecutionState];

export interface EntityUpdate {
  entityType: string;
  identifier: string;
  additionalProperties: Record<string, string>;
}

export interface EntityInsight {
  entityType?: string;
  identifier?: string;
  title: string;
  message: string;
}

/** A verdict an action gives its case (setCaseVerdict). */
export interface CaseVerdictUpdate {
  value: Verdict;
  /** 0 to 100. */
  score?: number;
  /** Each names what it rests on; at most MAX_VERDICT_REASONS of MAX_VERDICT_REASON_LENGTH characters. */
  reasons: string[];
  /** What each reason rests on and the points it added: at most MAX_VERDICT_EVIDENCE items. */
  evidence?: VerdictEvidence[];
}

/**
 * Changes to its case an action asks for: applied by the platform in the transaction that records the
 * run, only when the action completed, and never by a test run.
 */
export interface CaseUpdates {
  verdict?: CaseVerdictUpdate;
  priority?: number;
  /** Closes the case; the reason says what closed it (the rule). */
  close?: { reason: string };
}

/** What the action's process sends back when its code returned. */
export interface ActionResult {
  state: ExecutionStateValue;
  message: string;
  resultValue: ActionResultValue;
  json: unknown;
  entityUpdates: EntityUpdate[];
  insights: EntityInsight[];
  caseUpdates?: CaseUpdates;
  /** Mail staged by sendEmail: put in the platform's outbox with the action run (absent: none). */
  emails?: OutgoingEmail[];
}

/**
 * One message to one person, sent by the platform's outbox once the action has completed. The outbox
 * keeps one row per `onceKey` (else the action's idempotencyKey) and recipient: staging it again in a
 * retried step or a rerun sends nothing more.
 */
export interface OutgoingEmail {
  /** One address, nothing else (no name, no list). */
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Message-ID of the mail this answers (threads the reply). */
  inReplyTo?: string;
  /** Message-IDs of the thread, oldest first. */
  references?: string[];
  /** Content-Language of the message (en, ko…). */
  language?: string;
  /** What makes this message one of a kind across runs (e.g. the report it answers). */
  onceKey?: string;
}

/** A reply rendered from the platform's templates (reply_templates, else the email integration's defaults). */
export interface RenderedReply {
  verdict: string;
  language: string;
  subject: string;
  text: string;
  html: string;
}

/** An indicator to look for in earlier cases: URL, DOMAIN, IP, FILE (its SHA-256) or EMAIL_ADDRESS (as sender). */
export interface EarlierCaseQuery {
  entityType: string;
  identifier: string;
}

/** An earlier case holding one of the indicators asked about (findEarlierCases). */
export interface EarlierCase {
  caseId: number;
  title: string;
  status: string;
  closedReason: string | null;
  createdAt: number;
  /**
   * Its verdict (an analyst's override when there is one); null when none was set. `grounds`: "analyst"
   * (overridden by a person, or closed by a person with a verdict other than unknown), "feed" (its
   * evidence holds a feed item of positive weight), else "machine" (from signals or earlier verdicts: it
   * should feed no other verdict). `decidedBy`: "analyst alice", "feed URLhaus", or who set it.
   */
  verdict: { value: Verdict; score: number | null; setBy: string; overridden: boolean; grounds: VerdictGrounds; decidedBy: string } | null;
  /** Which of the indicators asked about it holds. */
  matched: EarlierCaseQuery[];
}

export type VerdictGrounds = "analyst" | "feed" | "machine";

/** How many earlier cases hold a DOMAIN entity of a registrable domain, and of those how many were judged malicious or benign. */
export interface DomainPrevalence {
  cases: number;
  malicious: number;
  benign: number;
}

/** Bounds of domainPrevalence: domains per call, and cases counted per domain (the newest). */
export const MAX_PREVALENCE_DOMAINS = 200;
export const MAX_PREVALENCE_CASES = 2000;

/** The platform's services about cases and lists (askPlatform names). */
export const CASE_SERVICES = { earlier: "cases.earlier", prevalence: "cases.prevalence", list: "lists.get" } as const;

/** Bounds of findEarlierCases: indicators asked about, and cases answered (newest first). */
export const MAX_EARLIER_QUERIES = 500;
export const MAX_EARLIER_CASES = 50;

/** One alert of the case as an action reads it: its events' fields as the connector returned them. */
export interface CaseAlert {
  /** The alert's unique id (display_id). */
  identifier: string;
  name: string;
  product: string;
  /** Unix ms. */
  startTime: number;
  events: Record<string, unknown>[];
}

/** The case an action runs on (SecOps' `siemplify.current_alert` and case, in one). */
export interface CurrentCase {
  id: number;
  title: string;
  priority: number;
  status: string;
  environment: string;
  /** Oldest first; at most MAX_CASE_ALERTS, each with at most MAX_ALERT_EVENTS events. */
  alerts: CaseAlert[];
}

/** Bounds of the case handed to an action (a campaign case may hold thousands of reports). */
export const MAX_CASE_ALERTS = 500;
export const MAX_ALERT_EVENTS = 20;

export interface ActionExecutionInit extends IntegrationCodeInit {
  actionName: string;
  caseId: number;
  caseTitle: string;
  /** The case with its alerts and their events. */
  currentCase?: CurrentCase;
  idempotencyKey: string;
  targetEntities: ActionEntity[];
}

/** Bounds of what an action hands back (entities updated, insights, JSON size). */
export const MAX_ENTITY_UPDATES = 1000;
export const MAX_INSIGHTS = 200;
export const MAX_RESULT_JSON_BYTES = 1_000_000;
/** Bounds of the mail one action may stage (a campaign case answers each of its reporters). */
export const MAX_EMAILS = MAX_CASE_ALERTS;
export const MAX_EMAIL_SUBJECT = 998;
export const MAX_EMAIL_TEXT = 100_000;
export const MAX_EMAIL_HTML = 200_000;
/** One address: local@domain, without spaces, commas, angle brackets or line breaks. */
export const EMAIL_ADDRESS_PATTERN = /^[^\s@<>,;:"()[\]\\]{1,64}@[A-Za-z0-9.-]{1,253}$/;
/** A Message-ID as written in headers: <…@…>, without spaces or line breaks. */
export const MESSAGE_ID_PATTERN = /^<[^\s<>]{1,990}>$/;
const MAX_TEXT = 10_000;

const text = (value: unknown, limit = MAX_TEXT) => String(value ?? "").slice(0, limit);

export class ActionExecution extends CodeExecution {
  readonly integrationName: string;
  readonly actionName: string;
  readonly caseId: number;
  readonly caseTitle: string;
  /** The case, its alerts and their events (oldest first, bounded by MAX_CASE_ALERTS). */
  readonly currentCase: CurrentCase;
  /**
   * The same for every attempt of one playbook step (or one request): an action with an effect outside
   * (a mail sent, a sender blocked) passes it on, e.g. as a Message-ID, so a retried step never does it twice.
   */
  readonly idempotencyKey: string;
  /** The case's entities of the types this action declares (none declared: none). */
  readonly targetEntities: ActionEntity[];
  readonly result: { addResultJson(value: unknown): void };
  readonly #parameters: Record<string, unknown>;
  #json: unknown = null;
  #ended: { message: string; resultValue: ActionResultValue; state: ExecutionStateValue } | undefined;
  readonly #updates = new Map<string, EntityUpdate>();
  readonly #insights: EntityInsight[] = [];
  readonly #caseUpdates: CaseUpdates = {};
  readonly #emails: OutgoingEmail[] = [];

  constructor(init: ActionExecutionInit) {
    super(codeExecutionInit(init));
    this.integrationName = init.integrationName;
    this.actionName = init.actionName;
    this.caseId = init.caseId;
    this.caseTitle = init.caseTitle;
    this.currentCase = init.currentCase ?? {
      id: init.caseId,
      title: init.caseTitle,
      priority: 0,
      status: "open",
      environment: "",
      alerts: [],
    };
    this.idempotencyKey = init.idempotencyKey;
    this.targetEntities = init.targetEntities.map((entity) => ({ ...entity, additionalProperties: { ...entity.additionalProperties } }));
    this.#parameters = { ...init.parameters };
    this.result = {
      // The last call wins, as SecOps' add_result_json.
      addResultJson: (value: unknown) => {
        const serialised = JSON.stringify(value ?? null);
        if (serialised.length > MAX_RESULT_JSON_BYTES)
          throw new RangeError(`addResultJson: the JSON result is larger than ${MAX_RESULT_JSON_BYTES} bytes`);
        this.#json = JSON.parse(serialised);
      },
    };
  }

  /** Reads one of the action's parameters, as SecOps' `extract_action_param`. */
  readonly extractActionParam: ExtractParam = ((name: string, options = {}) =>
    this.readParameter(this.#parameters, name, options)) as ExtractParam;

  /**
   * Stores the entities' additionalProperties on the case (once the action has completed), where later
   * actions and the console see them. Values are kept as strings.
   */
  async updateEntities(entities: ActionEntity[]): Promise<void> {
    for (const entity of entities) {
      const key = `${entity.entityType}\u0000${entity.identifier}`;
      if (!this.#updates.has(key) && this.#updates.size >= MAX_ENTITY_UPDATES)
        throw new RangeError(`updateEntities: at most ${MAX_ENTITY_UPDATES} entities per action`);
      const properties = Object.fromEntries(
        Object.entries(entity.additionalProperties ?? {})
          .slice(0, 200)
          .map(([name, value]) => [text(name, 200), text(value)]),
      );
      this.#updates.set(key, {
        entityType: text(entity.entityType, 100),
        identifier: text(entity.identifier),
        additionalProperties: properties,
      });
    }
  }

  /** An insight on the case's wall, about one entity (SecOps' add_entity_insight). */
  addEntityInsight(
    entity: Pick<ActionEntity, "entityType" | "identifier"> | null,
    message: string,
    options: { title?: string } = {},
  ): void {
    if (this.#insights.length >= MAX_INSIGHTS) throw new RangeError(`addEntityInsight: at most ${MAX_INSIGHTS} insights per action`);
    this.#insights.push({
      ...(entity ? { entityType: text(entity.entityType, 100), identifier: text(entity.identifier) } : {}),
      title: text(options.title ?? this.actionName, 200),
      message: this.redact(text(message)),
    });
  }

  /**
   * Looks the items up in the threat-intel feeds (`intake feeds`): every match, by feed, with how it
   * matched. At most MAX_LOOKUP_ITEMS items per call.
   */
  async lookupIndicators(items: IndicatorLookupItem[]): Promise<IndicatorMatch[]> {
    if (items.length > MAX_LOOKUP_ITEMS)
      throw new RangeError(`lookupIndicators: at most ${MAX_LOOKUP_ITEMS} items per call, got ${items.length}`);
    const payload = { items: items.map((item) => ({ entityType: text(item.entityType, 100), identifier: text(item.identifier) })) };
    return (await this.askPlatform(INTEL_SERVICES.lookup, payload)) as IndicatorMatch[];
  }

  /** Gives the case its verdict (applied with the run; an analyst's override is not replaced). The last call wins. */
  setCaseVerdict(verdict: CaseVerdictUpdate): void {
    if (!isVerdict(verdict.value)) throw new RangeError(`setCaseVerdict: a verdict is one of ${VERDICTS.join(", ")}`);
    if (verdict.score !== undefined && !(Number.isInteger(verdict.score) && verdict.score >= 0 && verdict.score <= 100))
      throw new RangeError("setCaseVerdict: a score is a whole number from 0 to 100");
    const reasons = (verdict.reasons ?? [])
      .slice(0, MAX_VERDICT_REASONS)
      .map((reason) => this.redact(text(reason, MAX_VERDICT_REASON_LENGTH)));
    const evidence =
      verdict.evidence === undefined ? undefined : verdict.evidence.slice(0, MAX_VERDICT_EVIDENCE).map((item) => this.#evidenceItem(item));
    this.#caseUpdates.verdict = {
      value: verdict.value,
      ...(verdict.score !== undefined ? { score: verdict.score } : {}),
      reasons,
      ...(evidence ? { evidence } : {}),
    };
  }

  /** One evidence item as the platform accepts it: known fields only, texts bounded, secrets redacted. */
  #evidenceItem(item: VerdictEvidence): VerdictEvidence {
    if (!Number.isFinite(item.weight)) throw new RangeError("setCaseVerdict: an evidence item's weight is a number");
    if (item.caseId !== undefined && !(Number.isSafeInteger(item.caseId) && item.caseId > 0))
      throw new RangeError("setCaseVerdict: an evidence item's caseId is a case number");
    return {
      kind: item.kind,
      weight: item.weight,
      reason: this.redact(text(item.reason, MAX_VERDICT_REASON_LENGTH)),
      ...(item.indicator !== undefined ? { indicator: this.redact(text(item.indicator, MAX_EVIDENCE_INDICATOR_LENGTH)) } : {}),
      ...(item.feed !== undefined ? { feed: text(item.feed, MAX_EVIDENCE_NAME_LENGTH) } : {}),
      ...(item.reliability !== undefined ? { reliability: text(item.reliability, 1) } : {}),
      ...(item.caseId !== undefined ? { caseId: item.caseId } : {}),
      ...(item.decidedBy !== undefined ? { decidedBy: text(item.decidedBy, MAX_EVIDENCE_NAME_LENGTH) } : {}),
    };
  }

  /** Sets the case's priority (a value of the scale: Priority.HIGH…), applied with the run. */
  setCasePriority(priority: number): void {
    if (!isPriority(priority)) throw new RangeError(`setCasePriority: a priority is one of ${PRIORITIES.join(", ")}`);
    this.#caseUpdates.priority = priority;
  }

  /** Closes the case, applied with the run; the reason (recorded in the case's history) says which rule closed it. */
  closeCase(reason: string): void {
    const why = text(reason, 2000).trim();
    if (!why) throw new RangeError("closeCase: say why the case is closed");
    this.#caseUpdates.close = { reason: this.redact(why) };
  }

  /**
   * Earlier cases (not this one) holding any of these indicators, newest first, with their verdicts (an
   * analyst's override preferred) and how they were closed: at most MAX_EARLIER_CASES.
   */
  async findEarlierCases(items: EarlierCaseQuery[]): Promise<EarlierCase[]> {
    if (items.length > MAX_EARLIER_QUERIES) throw new RangeError(`findEarlierCases: at most ${MAX_EARLIER_QUERIES} indicators at once`);
    const payload = {
      caseId: this.caseId,
      items: items.map((item) => ({ entityType: text(item.entityType, 100), identifier: text(item.identifier, 8000) })),
    };
    return (await this.askPlatform(CASE_SERVICES.earlier, payload)) as EarlierCase[];
  }

  /**
   * For each registrable domain: how many earlier cases hold a DOMAIN entity of it, and of those how
   * many have the verdict malicious or benign (counted over the newest MAX_PREVALENCE_CASES). A domain in
   * many cases of both verdicts is shared infrastructure, no evidence. At most MAX_PREVALENCE_DOMAINS.
   */
  async domainPrevalence(domains: string[]): Promise<Record<string, DomainPrevalence>> {
    if (domains.length > MAX_PREVALENCE_DOMAINS)
      throw new RangeError(`domainPrevalence: at most ${MAX_PREVALENCE_DOMAINS} domains at once, got ${domains.length}`);
    const payload = { caseId: this.caseId, domains: domains.map((domain) => text(domain, 253)) };
    return (await this.askPlatform(CASE_SERVICES.prevalence, payload)) as Record<string, DomainPrevalence>;
  }

  /**
   * The entries of a custom list ("Shared Infrastructure", "Shorteners", "Brands", "VIPs"): an admin's
   * edit, else the default the package ships; one entry a line, trimmed, blanks and # comments dropped.
   */
  async getCustomList(name: string): Promise<string[]> {
    return (await this.askPlatform(CASE_SERVICES.list, { name: text(name, 200) })) as string[];
  }

  /**
   * Stages a message to one person: the platform puts it in its outbox with the action's run (only if
   * the action completes) and sends it over the email integration's SMTP server, retrying with backoff.
   * Never sent by a test run (Play). Throws RangeError on a message it would refuse.
   */
  sendEmail(message: OutgoingEmail): void {
    if (this.#emails.length >= MAX_EMAILS) throw new RangeError(`sendEmail: at most ${MAX_EMAILS} messages per action`);
    const to = String(message.to ?? "").trim();
    if (!EMAIL_ADDRESS_PATTERN.test(to))
      throw new RangeError(`sendEmail: "to" must be one email address, not ${JSON.stringify(to.slice(0, 200))}`);
    const ids = [message.inReplyTo, ...(message.references ?? [])].filter((id): id is string => id !== undefined);
    const badId = ids.find((id) => !MESSAGE_ID_PATTERN.test(id));
    if (badId !== undefined) throw new RangeError(`sendEmail: ${JSON.stringify(badId.slice(0, 200))} is not a Message-ID (<…>)`);
    this.#emails.push({
      to,
      subject: text(message.subject, MAX_EMAIL_SUBJECT).replace(/[\r\n]+/g, " "),
      text: text(message.text, MAX_EMAIL_TEXT),
      ...(message.html !== undefined ? { html: text(message.html, MAX_EMAIL_HTML) } : {}),
      ...(message.inReplyTo !== undefined ? { inReplyTo: message.inReplyTo } : {}),
      ...(message.references?.length ? { references: message.references.slice(-20) } : {}),
      ...(message.language ? { language: text(message.language, 35) } : {}),
      ...(message.onceKey ? { onceKey: text(message.onceKey, 500) } : {}),
    });
  }

  /**
   * The reply template for a verdict and language, rendered by the platform for this case: placeholders
   * filled, values escaped in HTML and defanged (nothing from a phish becomes a link).
   */
  async renderReply(request: { verdict: string; language?: string; reportSubject: string; reasons: string[] }): Promise<RenderedReply> {
    return (await this.askPlatform("replies.render", request)) as RenderedReply;
  }

  /**
   * The moves of this case's mail between mailboxes' folders and their quarantine (Purge Email, Restore
   * Email), oldest first; only those of one mailbox, or in these states, when asked.
   */
  async listMailboxMoves(query: { mailbox?: string; statuses?: MailboxMoveStatus[] } = {}): Promise<MailboxMove[]> {
    return (await this.askPlatform(MAILBOX_SERVICES.list, query)) as MailboxMove[];
  }

  /**
   * Records, durably, copies about to be moved into the quarantine folder ("moving"): call it before the
   * IMAP MOVE and confirm each with updateMailboxMoves after, so a run killed between the two is reconciled
   * by the next. Returns the records' ids, in order. Never in a test run.
   */
  async beginMailboxMoves(moves: NewMailboxMove[]): Promise<number[]> {
    if (moves.length > MAX_MAILBOX_MOVES_PER_CALL)
      throw new RangeError(`beginMailboxMoves: at most ${MAX_MAILBOX_MOVES_PER_CALL} moves per call`);
    if (this.isTestRun) throw new Error("beginMailboxMoves: a test run moves nothing");
    return (await this.askPlatform(MAILBOX_SERVICES.begin, { moves })) as number[];
  }

  /** Changes recorded moves' states (quarantined with the UID COPYUID gave, restoring, restored…). */
  async updateMailboxMoves(updates: MailboxMoveUpdate[]): Promise<void> {
    if (updates.length > MAX_MAILBOX_MOVES_PER_CALL)
      throw new RangeError(`updateMailboxMoves: at most ${MAX_MAILBOX_MOVES_PER_CALL} updates per call`);
    if (updates.length === 0) return;
    await this.askPlatform(MAILBOX_SERVICES.update, { updates });
  }

  /** Ends the action with its output message and result value (SecOps' `end`); the last call wins. */
  end(message: string, resultValue: ActionResultValue, state: ExecutionStateValue = ExecutionState.COMPLETED): void {
    const value = typeof resultValue === "string" ? text(resultValue) : resultValue;
    this.#ended = {
      message: this.redact(text(message)),
      resultValue: value ?? null,
      state: state === ExecutionState.FAILED ? "failed" : "completed",
    };
  }

  /** What the platform records once the code returned. */
  takeResult(): ActionResult {
    return {
      state: this.#ended?.state ?? "completed",
      message: this.#ended?.message ?? "",
      resultValue: this.#ended?.resultValue ?? null,
      json: this.#json,
      entityUpdates: [...this.#updates.values()],
      insights: [...this.#insights],
      caseUpdates: { ...this.#caseUpdates },
      ...(this.#emails.length ? { emails: [...this.#emails] } : {}),
    };
  }
}
