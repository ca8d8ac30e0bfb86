// A set of IMAP UIDs kept as sorted ranges ("1:500,502"): compact for a mailbox's checkpoint.

export type UidRange = [number, number];

export function parseUidSet(text: string | undefined): UidRange[] {
  if (!text) return [];
  const ranges: UidRange[] = [];
  for (const part of text.split(",")) {
    const [a, b] = part.split(":").map(Number);
    if (Number.isInteger(a) && a! > 0) ranges.push([a!, Number.isInteger(b) && b! >= a! ? b! : a!]);
  }
  return normalise(ranges);
}

function normalise(ranges: UidRange[]): UidRange[] {
  const sorted = [...ranges].sort((x, y) => x[0] - y[0]);
  const out: UidRange[] = [];
  for (const [start, end] of sorted) {
    const last = out[out.length - 1];
    if (last && start <= last[1] + 1) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}

export function addUids(ranges: UidRange[], uids: Iterable<number>): UidRange[] {
  return normalise([...ranges, ...[...uids].map((uid): UidRange => [uid, uid])]);
}

export function removeUids(ranges: UidRange[], uids: Iterable<number>): UidRange[] {
  const drop = new Set(uids);
  if (drop.size === 0) return ranges;
  const out: UidRange[] = [];
  for (const [start, end] of ranges) {
    let from = start;
    for (const uid of [...drop].filter((u) => u >= start && u <= end).sort((a, b) => a - b)) {
      if (uid > from) out.push([from, uid - 1]);
      from = uid + 1;
    }
    if (from <= end) out.push([from, end]);
  }
  return out;
}

export function hasUid(ranges: UidRange[], uid: number): boolean {
  // Binary search: checkpoints of large mailboxes hold many ranges.
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const [start, end] = ranges[mid]!;
    if (uid < start) high = mid - 1;
    else if (uid > end) low = mid + 1;
    else return true;
  }
  return false;
}

export function formatUidSet(ranges: UidRange[]): string {
  return ranges.map(([a, b]) => (a === b ? String(a) : `${a}:${b}`)).join(",");
}

/** UIDs as an IMAP sequence set for one command ("3:7,9"). */
export function toSequenceSet(uids: number[]): string {
  return formatUidSet(addUids([], uids));
}
