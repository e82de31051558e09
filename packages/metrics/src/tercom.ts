// Translation edit rate with tercom-style shifts, as sacrebleu's `metrics/lib_ter.py` computes it.

const MAX_SHIFT_SIZE = 10;
const MAX_SHIFT_DIST = 50;
const BEAM_WIDTH = 25;
const MAX_SHIFT_CANDIDATES = 1000;

// Edit operations in a trace.
const OP_INS = 'i';
const OP_DEL = 'd';
const OP_NOP = ' ';
const OP_SUB = 's';
// Operation codes stored in the matrix.
const C_UNDEF = 0;
const C_INS = 1;
const C_DEL = 2;
const C_NOP = 3;
const C_SUB = 4;
const OP_CHAR = ['x', OP_INS, OP_DEL, OP_NOP, OP_SUB];
// Stands in for sacrebleu's 1e16: larger than any edit distance, and INF + 1 still fits an Int32Array.
const INFINITY = 2 ** 30;

/**
 * Levenshtein distance to one reference, restricted to a beam around the pseudo-diagonal (sacrebleu's
 * `BeamEditDistance`). Row i depends only on the first i hypothesis words, so rows shared with the previous
 * call are reused; results are the same as sacrebleu's prefix cache gives.
 */
class BeamEditDistance {
  private readonly ref: Int32Array;
  private readonly nH: number;
  private readonly cost: Int32Array;
  private readonly op: Uint8Array;
  private last: Int32Array | null = null;

  constructor(ref: Int32Array, hypLength: number) {
    this.ref = ref;
    this.nH = hypLength;
    const w = ref.length + 1;
    this.cost = new Int32Array((hypLength + 1) * w);
    this.op = new Uint8Array((hypLength + 1) * w);
    for (let j = 0; j < w; j++) {
      this.cost[j] = j;
      this.op[j] = C_INS;
    }
  }

  /** Edit distance of `hyp` (always `hypLength` words) to the reference; with `withTrace`, also the operations. */
  distance(hyp: Int32Array, withTrace: boolean): [number, string] {
    const nH = this.nH;
    const nR = this.ref.length;
    const w = nR + 1;
    const { cost, op, ref } = this;
    let common = 0;
    if (this.last) while (common < nH && this.last[common] === hyp[common]) common++;
    this.last = hyp;
    const lengthRatio = nH ? nR / nH : 1;
    const beam = BEAM_WIDTH < lengthRatio / 2 ? Math.ceil(lengthRatio / 2 + BEAM_WIDTH) : BEAM_WIDTH;
    for (let i = common + 1; i <= nH; i++) {
      const row = i * w;
      const prev = row - w;
      cost.fill(INFINITY, row, row + w);
      op.fill(C_UNDEF, row, row + w);
      const pseudoDiag = Math.floor(i * lengthRatio);
      const minJ = Math.max(0, pseudoDiag - beam);
      const maxJ = i === nH ? nR + 1 : Math.min(nR + 1, pseudoDiag + beam);
      const word = hyp[i - 1];
      for (let j = minJ; j < maxJ; j++) {
        if (j === 0) {
          cost[row] = cost[prev] + 1;
          op[row] = C_DEL;
          continue;
        }
        // tercom prefers no-op/substitution, then deletion, then insertion (the trace is flipped later).
        let best = cost[row + j];
        let bestOp = op[row + j];
        const same = word === ref[j - 1];
        const subCost = cost[prev + j - 1] + (same ? 0 : 1);
        if (best > subCost) {
          best = subCost;
          bestOp = same ? C_NOP : C_SUB;
        }
        const delCost = cost[prev + j] + 1;
        if (best > delCost) {
          best = delCost;
          bestOp = C_DEL;
        }
        const insCost = cost[row + j - 1] + 1;
        if (best > insCost) {
          best = insCost;
          bestOp = C_INS;
        }
        cost[row + j] = best;
        op[row + j] = bestOp;
      }
    }
    const result = cost[nH * w + nR];
    if (!withTrace) return [result, ''];
    const ops: string[] = [];
    let i = nH;
    let j = nR;
    while (i > 0 || j > 0) {
      const o = op[i * w + j];
      ops.push(OP_CHAR[o]);
      if (o === C_SUB || o === C_NOP) {
        i--;
        j--;
      } else if (o === C_INS) j--;
      else if (o === C_DEL) i--;
      else throw new Error(`unknown operation ${JSON.stringify(OP_CHAR[o])}`);
    }
    return [result, ops.reverse().join('')];
  }
}

function flipTrace(trace: string): string {
  let out = '';
  for (const c of trace) out += c === OP_INS ? OP_DEL : c === OP_DEL ? OP_INS : c;
  return out;
}

/** Alignment of reference positions to hypothesis positions and error flags, from a trace. */
function traceToAlignment(trace: string): { align: Map<number, number>; refErr: number[]; hypErr: number[] } {
  let posHyp = -1;
  let posRef = -1;
  const hypErr: number[] = [];
  const refErr: number[] = [];
  const align = new Map<number, number>();
  for (const op of trace) {
    if (op === OP_NOP || op === OP_SUB) {
      posHyp++;
      posRef++;
      align.set(posRef, posHyp);
      const e = op === OP_SUB ? 1 : 0;
      hypErr.push(e);
      refErr.push(e);
    } else if (op === OP_INS) {
      posHyp++;
      hypErr.push(1);
    } else if (op === OP_DEL) {
      posRef++;
      align.set(posRef, posHyp);
      refErr.push(1);
    } else throw new Error(`unknown operation ${JSON.stringify(op)}`);
  }
  return { align, refErr, hypErr };
}

function performShift(words: Int32Array, start: number, length: number, target: number): Int32Array {
  const out = new Int32Array(words.length);
  let k = 0;
  const copy = (from: number, to: number) => {
    for (let i = from; i < to; i++) out[k++] = words[i];
  };
  if (target < start) {
    copy(0, target);
    copy(start, start + length);
    copy(target, start);
    copy(start + length, words.length);
  } else if (target > start + length) {
    copy(0, start);
    copy(start + length, target);
    copy(start, start + length);
    copy(target, words.length);
  } else {
    copy(0, start);
    copy(start + length, length + target);
    copy(start, start + length);
    copy(length + target, words.length);
  }
  return out;
}

function anyError(xs: readonly number[], from: number, to: number): boolean {
  for (let i = from; i < Math.min(to, xs.length); i++) if (xs[i] !== 0) return true;
  return false;
}

interface Candidate {
  score: number;
  length: number;
  startH: number;
  idx: number;
  words: Int32Array;
}

// Candidates rank by score gain, then length, then earliest start, then earliest target (tercom's order).
function better(a: Candidate, b: Candidate): boolean {
  if (a.score !== b.score) return a.score > b.score;
  if (a.length !== b.length) return a.length > b.length;
  if (a.startH !== b.startH) return a.startH < b.startH;
  return a.idx < b.idx;
}

function shift(
  wordsH: Int32Array,
  wordsR: Int32Array,
  ed: BeamEditDistance,
  checked: number,
): [number, Int32Array, number] {
  const [preScore, invTrace] = ed.distance(wordsH, true);
  const { align, refErr, hypErr } = traceToAlignment(flipTrace(invTrace));
  let best: Candidate | null = null;
  const nH = wordsH.length;
  const nR = wordsR.length;
  outer: for (let startH = 0; startH < nH; startH++) {
    for (let startR = 0; startR < nR; startR++) {
      if (Math.abs(startR - startH) > MAX_SHIFT_DIST) continue;
      let length = 0;
      while (length < MAX_SHIFT_SIZE && wordsH[startH + length] === wordsR[startR + length]) {
        length++;
        // Every prefix of a matching run is a candidate (startH, startR, length).
        if (anyError(hypErr, startH, startH + length) && anyError(refErr, startR, startR + length)) {
          const a = align.get(startR) as number;
          if (!(startH <= a && a < startH + length)) {
            let prevIdx = -1;
            for (let offset = -1; offset < length; offset++) {
              let idx: number;
              if (startR + offset === -1) idx = 0;
              else {
                const al = align.get(startR + offset);
                if (al === undefined) break;
                idx = al + 1;
              }
              if (idx === prevIdx) continue;
              prevIdx = idx;
              const shifted = performShift(wordsH, startH, length, idx);
              const cand: Candidate = { score: preScore - ed.distance(shifted, false)[0], length, startH, idx, words: shifted };
              checked++;
              if (best === null || better(cand, best)) best = cand;
            }
          }
        }
        if (checked >= MAX_SHIFT_CANDIDATES) break outer;
        if (nH === startH + length || nR === startR + length) break;
      }
    }
  }
  return best === null ? [0, wordsH, checked] : [best.score, best.words, checked];
}

/** Number of edits (shifts plus edit distance) turning `hyp` into `ref`, and the reference length. */
export function translationEditRate(hyp: readonly string[], ref: readonly string[]): [edits: number, refLength: number] {
  if (ref.length === 0) return [hyp.length, 0];
  const ids = new Map<string, number>();
  const id = (w: string) => ids.get(w) ?? ids.set(w, ids.size).get(w)!;
  const refIds = Int32Array.from(ref, id);
  let input: Int32Array = Int32Array.from(hyp, id);
  const ed = new BeamEditDistance(refIds, input.length);
  let shifts = 0;
  let checked = 0;
  for (;;) {
    const [delta, next, c] = shift(input, refIds, ed, checked);
    checked = c;
    if (checked >= MAX_SHIFT_CANDIDATES) break;
    if (delta <= 0) break;
    shifts++;
    input = next;
  }
  return [shifts + ed.distance(input, false)[0], ref.length];
}
