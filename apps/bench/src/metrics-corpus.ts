// A deterministic synthetic MT-style corpus for the metrics benchmark: Zipf-distributed words with punctuation,
// numbers and capitals; each hypothesis is its reference with word drops, substitutions, inserts and swaps.

import { mulberry32 } from '@lorats/core';

const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'tas', 'vo', 'quel', 'sa', 'dun', 'pe', 'ri', 'ox', 'bel', 'ta', 'nor', 'is', 'ga', 'wen', 'fu', 'cha'];

/** `n` hypothesis/reference pairs from `seed`. */
export function metricsCorpus(n: number, seed: number): { hyps: string[]; refs: string[] } {
  const rand = mulberry32(seed);
  const vocab: string[] = [];
  for (let i = 0; i < 5000; i++) {
    let w = '';
    const syl = 1 + Math.floor(rand() * 3);
    for (let k = 0; k < syl; k++) w += SYLLABLES[Math.floor(rand() * SYLLABLES.length)];
    vocab.push(w);
  }
  // Zipf: word i has weight 1 / (i + 1).
  const cum: number[] = [];
  let total = 0;
  for (let i = 0; i < vocab.length; i++) cum.push((total += 1 / (i + 1)));
  const word = () => {
    const x = rand() * total;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return vocab[lo];
  };
  const hyps: string[] = [];
  const refs: string[] = [];
  for (let s = 0; s < n; s++) {
    const len = 8 + Math.floor(rand() * 30);
    const ref: string[] = [];
    for (let i = 0; i < len; i++) {
      const r = rand();
      let w = word();
      if (i === 0 || r < 0.05) w = w[0].toUpperCase() + w.slice(1);
      if (r > 0.97) w = String(Math.floor(rand() * 2000));
      ref.push(r > 0.9 && i < len - 1 ? `${w},` : w);
    }
    ref[ref.length - 1] += rand() < 0.8 ? '.' : '?';
    const hyp = [...ref];
    const edits = Math.floor(rand() * len * 0.4);
    for (let e = 0; e < edits && hyp.length > 2; e++) {
      const i = Math.floor(rand() * hyp.length);
      const op = rand();
      if (op < 0.3) hyp.splice(i, 1);
      else if (op < 0.6) hyp[i] = word();
      else if (op < 0.8) hyp.splice(i, 0, word());
      else {
        const j = Math.floor(rand() * hyp.length);
        [hyp[i], hyp[j]] = [hyp[j], hyp[i]];
      }
    }
    hyps.push(hyp.join(' '));
    refs.push(ref.join(' '));
  }
  return { hyps, refs };
}
