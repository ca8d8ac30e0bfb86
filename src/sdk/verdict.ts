// A verdict's reasons and evidence: their shape and bounds, for actions, the platform and the console (the verdict
// values themselves are in vocabulary.ts).

/** Bounds of a verdict's reasons: how many, and the length of each. */
export const MAX_VERDICT_REASONS = 50;
export const MAX_VERDICT_REASON_LENGTH = 500;

/** What a verdict's evidence item rests on. */
export const EVIDENCE_KINDS = ["feed", "earlier-case", "signal", "authentication", "simulation"] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

/** One item a verdict rests on, with the points it added: the console shows it beside its reason. */
export interface VerdictEvidence {
  kind: EvidenceKind;
  /** Signed points this item added (negative: spoke for benign). */
  weight: number;
  /** The reason text, defanged, as in `reasons`. */
  reason: string;
  /** Defanged. */
  indicator?: string;
  feed?: string;
  /** The feed's source reliability, A to F. */
  reliability?: string;
  /** The earlier case and who decided it ("analyst alice", "feed URLhaus"). */
  caseId?: number;
  decidedBy?: string;
}

/** Bounds of a verdict's evidence: items, the weight of one, and its texts. */
export const MAX_VERDICT_EVIDENCE = 100;
export const MAX_EVIDENCE_WEIGHT = 1000;
export const MAX_EVIDENCE_INDICATOR_LENGTH = 2000;
export const MAX_EVIDENCE_NAME_LENGTH = 200;
