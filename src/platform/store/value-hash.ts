// A 53-bit hash of an indicator or grouping value, stored beside it and indexed in its place: an
// index of small integers costs a fraction of one of long strings (URLs) to keep up at every insert,
// and lookups compare the value itself too, so two values that share a hash are never confused.
// cyrb53 (public domain): fast on short strings, well spread; part of the stored data, never changed.

export function valueHash(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
