// BLEU as Moses' multi-bleu-detok.perl computes it (GenerationEval's BLEU): mteval-v13a tokenization on raw
// text, clipped n-gram counts maxed over references, closest reference length, score on the 0–100 scale.
import { mtevalNormalize, perlSplitWords } from './mteval-tokenizer.js';

export interface MultiBleuResult {
  /** BLEU on the 0–100 scale (the script prints it with two decimals). */
  bleu: number;
  /** Precision per order on the 0–100 scale. */
  precisions: number[];
  bp: number;
  ratio: number;
  hypLength: number;
  refLength: number;
}

/**
 * multi-bleu-detok.perl: `references[k][i]` is line i of reference file k; a hypothesis line without references
 * (a shorter reference file) gets none. The script reads bytes, so only ASCII whitespace separates words, and it
 * lowercases (ASCII only) with `-lc`.
 */
export function multiBleuDetok(hypotheses: readonly string[], references: readonly (readonly string[])[], opts: { lowercase?: boolean } = {}): MultiBleuResult {
  const tok = (s: string) => mtevalNormalize(opts.lowercase ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s, { whitespace: 'ascii' });
  const refTok = references.map((file) => file.map(tok));
  const correct = [0, 0, 0, 0, 0];
  const total = [0, 0, 0, 0, 0];
  const seen = [false, false, false, false, false];
  let hypLength = 0;
  let refLength = 0;
  hypotheses.forEach((hyp, s) => {
    const words = perlSplitWords(tok(hyp), 'ascii');
    const refNgrams = new Map<string, number>();
    let closestDiff = 9999;
    let closestLength = 9999;
    for (const file of refTok) {
      if (s >= file.length) continue;
      const refWords = perlSplitWords(file[s], 'ascii');
      const diff = Math.abs(words.length - refWords.length);
      if (diff < closestDiff) {
        closestDiff = diff;
        closestLength = refWords.length;
      } else if (diff === closestDiff && refWords.length < closestLength) closestLength = refWords.length;
      for (let n = 1; n <= 4; n++) {
        const counts = ngramCounts(refWords, n);
        for (const [g, c] of counts) if ((refNgrams.get(g) ?? 0) < c) refNgrams.set(g, c);
      }
    }
    hypLength += words.length;
    refLength += closestLength;
    for (let n = 1; n <= 4; n++) {
      for (const [g, c] of ngramCounts(words, n)) {
        seen[n] = true;
        total[n] += c;
        const r = refNgrams.get(g);
        if (r !== undefined) correct[n] += Math.min(r, c);
      }
    }
  });
  const prec = [1, 2, 3, 4].map((n) => (seen[n] ? (total[n] ? correct[n] / total[n] : 0) : 0));
  if (refLength === 0) return { bleu: 0, precisions: [0, 0, 0, 0], bp: 0, ratio: 0, hypLength: 0, refLength: 0 };
  let bp = 1;
  if (hypLength < refLength) {
    if (hypLength === 0) throw new Error('multi-bleu-detok: the system output is empty (the script divides by zero)');
    bp = Math.exp(1 - refLength / hypLength);
  }
  const myLog = (x: number) => (x ? Math.log(x) : -9999999999);
  const bleu = bp * Math.exp((myLog(prec[0]) + myLog(prec[1]) + myLog(prec[2]) + myLog(prec[3])) / 4);
  return { bleu: 100 * bleu, precisions: prec.map((p) => 100 * p), bp, ratio: hypLength / refLength, hypLength, refLength };
}

function ngramCounts(words: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= words.length; i++) {
    const g = words.slice(i, i + n).join(' ');
    counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  return counts;
}
