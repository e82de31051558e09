// TER as pyter (aflc/pyter, packaged as pyter3) computes it, which GenerationEval uses per sentence: greedy
// shifts chosen among all matching phrase pairs, then word-level Levenshtein distance, divided by the
// reference length.

/** Python's ordering of two lists of strings (element-wise by code point, then by length). */
function compareLists(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return comparePyStrings(a[i], b[i]);
  }
  return a.length - b.length;
}

/** Python `str` comparison: by code point (JavaScript compares UTF-16 units, which differs above U+FFFF). */
function comparePyStrings(a: string, b: string): number {
  const ca = Array.from(a);
  const cb = Array.from(b);
  const n = Math.min(ca.length, cb.length);
  for (let i = 0; i < n; i++) {
    if (ca[i] !== cb[i]) return (ca[i].codePointAt(0) as number) - (cb[i].codePointAt(0) as number);
  }
  return ca.length - cb.length;
}

/** Word-level Levenshtein distance (pyter's cached edit distance gives the same values). */
function editDistance(hyp: readonly string[], ref: readonly string[]): number {
  let prev = Array.from({ length: ref.length + 1 }, (_, j) => j);
  for (let i = 1; i <= hyp.length; i++) {
    const cur = [i];
    for (let j = 1; j <= ref.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (hyp[i - 1] === ref[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[ref.length];
}

/** pyter's `_findpairs`: (hyp start, ref start, length of the maximal common run), skipping equal starts. */
function* findPairs(h: readonly string[], r: readonly string[]): Generator<[number, number, number]> {
  for (let i1 = 0; i1 < h.length; i1++) {
    for (let i2 = 0; i2 < r.length; i2++) {
      if (i1 === i2 || h[i1] !== r[i2]) continue;
      let length = 1;
      while (i1 + length < h.length && i2 + length < r.length && h[i1 + length] === r[i2 + length]) length++;
      yield [i1, i2, length];
    }
  }
}

/** The shift that reduces the edit distance most (ties: the largest shifted word list, as Python's sort). */
function bestShift(h: readonly string[], r: readonly string[], pre: number): [number, readonly string[]] {
  let best: [number, string[]] | null = null;
  for (const [isp, rsp, length] of findPairs(h, r)) {
    const shifted = [...h.slice(0, isp), ...h.slice(isp + length)];
    shifted.splice(rsp, 0, ...h.slice(isp, isp + length));
    const score = pre - editDistance(shifted, r);
    if (best === null || score > best[0] || (score === best[0] && compareLists(shifted, best[1]) > 0)) best = [score, shifted];
  }
  return best ?? [0, h];
}

/** `pyter.ter(hyp, ref)`: TER of tokenized hypothesis against one tokenized reference (throws on an empty reference). */
export function pyterTer(hyp: readonly string[], ref: readonly string[]): number {
  if (ref.length === 0) throw new Error('pyter: empty reference (division by zero)');
  let words = hyp;
  let err = 0;
  for (;;) {
    const [delta, next] = bestShift(words, ref, editDistance(words, ref));
    if (delta <= 0) break;
    err++;
    words = next;
  }
  return (err + editDistance(words, ref)) / ref.length;
}
