// Decoding over an incremental model (anything with prefill / step / reorderCache): beam search with exactly the
// semantics of microsoft/LoRA examples/NLG/src/gpt2_beam.py (reference §2.8), plus greedy decoding and sampling.
//
// gpt2_beam.py, per context, for i = 0 … evalLen−1:
//   scores = logits with: repetition penalty (CTRL, ≠ 1 only), EOS banned while i < minLength, and every token that
//            would repeat an n-gram of the *generated* tokens set to −∞ (once i + 1 ≥ n)
//   logp   = log(softmax(scores));  i = 0: only beam 0's row (num_beams distinct first tokens); i ≥ 1: beamScore + logp
//   top-`beams` over beams × V → (beam, token); the cache and history follow the chosen beams
//   a beam whose last token is an EOS becomes a candidate scored beamScore / len^lengthPenalty (len counts generated
//   tokens including the EOS); the best candidate is replaced only by a strictly better one; the beam's score is
//   then set to −∞ (it keeps its slot). No early stop; after the last step every beam is a candidate.
// The result is the best candidate zero-padded to evalLen (token 0 is "!" in GPT-2's vocabulary).
import { mulberry32 } from '@lorats/core';
import * as tf from '@tensorflow/tfjs-core';

/** A model that decodes incrementally with a cache of type C (GPT-2's `Gpt2LMModel` is one). */
export interface IncrementalModel<C> {
  readonly vocabSize: number;
  /** Logits [N, V] at each prompt's last token, and the cache. */
  prefill(prompts: ReadonlyArray<readonly number[]>): { logits: tf.Tensor2D; cache: C };
  /** Feeds one token per cache row; logits [R, V]. Consumes `cache`. */
  step(tokens: readonly number[], cache: C): { logits: tf.Tensor2D; cache: C };
  /** The cache rows in this order (repeats allowed). Consumes `cache`. */
  reorderCache(cache: C, rows: readonly number[]): C;
  disposeCache(cache: C): void;
}

export interface BeamSearchOptions {
  /** Beams per context (`--beam`). */
  beams: number;
  /** Number of decoding steps = maximum new tokens (`--eval_len`). */
  maxNewTokens: number;
  /** Candidate score = sum of log-probs / len^lengthPenalty (`--length_penalty`, default 1). */
  lengthPenalty?: number;
  /** Ban repeating an n-gram of generated tokens; 0 disables (`--no_repeat_ngram_size`, default 4). */
  noRepeatNgramSize?: number;
  /** CTRL repetition penalty on the logits of generated tokens (`--repetition_penalty`, default 1 = off). */
  repetitionPenalty?: number;
  /** EOS is banned while fewer than this many tokens were generated (`--min_length`, default 0). */
  minLength?: number;
  /** End tokens (`--eos_token_id`, appended to the default [50256]). */
  eosTokenIds: readonly number[];
}

/** One decoded context: the best sequence zero-padded to maxNewTokens, and its score. */
export interface BeamResult {
  tokens: number[];
  score: number;
}

/** Tokens that would complete an n-gram already in `history` (fairseq's no_repeat_ngram, as gpt2_beam.py). */
export function bannedNgramTokens(history: readonly number[], n: number): number[] {
  const cur = history.length;
  if (n <= 0 || cur + 1 < n) return [];
  const prefix = history.slice(cur + 1 - n, cur).join(',');
  const banned: number[] = [];
  for (let i = 0; i + n <= cur; i++) {
    if (history.slice(i, i + n - 1).join(',') === prefix) banned.push(history[i + n - 1]);
  }
  return banned;
}

/**
 * Beam search for a batch of prompts, all decoded together: rows are context-major (row = context·beams + beam),
 * and every step is one model call over all rows with the cache reordered by the chosen beams.
 */
export function beamSearch<C>(model: IncrementalModel<C>, prompts: ReadonlyArray<readonly number[]>, options: BeamSearchOptions): BeamResult[] {
  const K = options.beams;
  const L = options.maxNewTokens;
  const lp = options.lengthPenalty ?? 1;
  const ngram = options.noRepeatNgramSize ?? 4;
  const repetition = options.repetitionPenalty ?? 1;
  const minLength = options.minLength ?? 0;
  const eos = new Set(options.eosTokenIds);
  const V = model.vocabSize;
  const N = prompts.length;
  if (!Number.isInteger(K) || K < 1 || K > V) throw new Error(`beamSearch: beams must be an integer in [1, ${V}], got ${K}`);
  if (!Number.isInteger(L) || L < 1) throw new Error(`beamSearch: maxNewTokens must be a positive integer, got ${L}`);
  if (N === 0) return [];

  const best: Array<{ score: number; tokens: number[] } | undefined> = new Array(N).fill(undefined);
  const addCandidates = (histories: number[][], scores: Float32Array, onlyEos: boolean) => {
    for (let r = 0; r < N * K; r++) {
      const h = histories[r];
      if (onlyEos && !eos.has(h[h.length - 1])) continue;
      const score = Math.fround(scores[r] / Math.fround(h.length ** lp));
      const n = Math.floor(r / K);
      const b = best[n];
      if (b === undefined || b.score < score) best[n] = { score, tokens: h.slice() };
      scores[r] = -Infinity;
    }
  };

  let { logits, cache } = model.prefill(prompts); // logits [N, V]
  let histories: number[][] = [];
  let beamScores = new Float32Array(N * K);
  try {
    for (let i = 0; i < L; i++) {
      const rows = i === 0 ? N : N * K;
      const adjust = scoreAdjustments(histories, i, rows, V, { ngram, repetition, minLength, eos: [...eos] });
      const { values, indices } = tf.tidy(() => {
        let scores: tf.Tensor2D = logits;
        if (adjust.repetition) {
          const f = tf.tensor2d(adjust.repetition, [rows, V]);
          scores = tf.where(tf.less(scores, 0), tf.mul(scores, f), tf.div(scores, f)) as tf.Tensor2D;
        }
        if (adjust.banned.length > 0) {
          const idx = tf.tensor2d(Int32Array.from(adjust.banned.flat()), [adjust.banned.length, 2], 'int32');
          const ban = tf.scatterND(idx, tf.fill([adjust.banned.length], -Infinity), [rows, V]);
          scores = tf.add(scores, ban); // −∞ where banned, exact elsewhere
        }
        const logp = tf.log(tf.softmax(scores)); // [rows, V]
        const cand = i === 0 ? logp : tf.add(logp, tf.tensor2d(beamScores, [N * K, 1]));
        const top = tf.topk(tf.reshape(cand, [N, -1]), K, true); // over (beams ×) V
        return { values: top.values, indices: top.indices };
      });
      const topValues = values.dataSync() as Float32Array;
      const topIndices = indices.dataSync() as Int32Array;
      tf.dispose([values, indices, logits]);

      const order: number[] = [];
      const nextHistories: number[][] = [];
      for (let n = 0; n < N; n++) {
        for (let k = 0; k < K; k++) {
          const flat = topIndices[n * K + k];
          const beam = i === 0 ? 0 : Math.floor(flat / V);
          const token = flat % V;
          const src = i === 0 ? n : n * K + beam; // cache row the new beam continues
          order.push(src);
          nextHistories.push([...(i === 0 ? [] : histories[n * K + beam]), token]);
        }
      }
      histories = nextHistories;
      beamScores = Float32Array.from(topValues);
      addCandidates(histories, beamScores, true);
      if (i === L - 1) break;
      cache = model.reorderCache(cache, order);
      ({ logits, cache } = model.step(
        histories.map((h) => h[h.length - 1]),
        cache,
      ));
    }
    addCandidates(histories, beamScores, false);
  } finally {
    model.disposeCache(cache);
  }
  return best.map((b) => {
    const tokens = new Array<number>(L).fill(0);
    b!.tokens.forEach((t, j) => (tokens[j] = t));
    return { tokens, score: b!.score };
  });
}

interface Adjustments {
  /** [row, token] pairs set to −∞. */
  banned: Array<[number, number]>;
  /** [rows, V] factors: the penalty on tokens already generated in the row, 1 elsewhere (undefined when off). */
  repetition?: Float32Array;
}

function scoreAdjustments(
  histories: number[][],
  i: number,
  rows: number,
  V: number,
  o: { ngram: number; repetition: number; minLength: number; eos: number[] },
): Adjustments {
  const banned: Array<[number, number]> = [];
  if (i < o.minLength) for (let r = 0; r < rows; r++) for (const e of o.eos) banned.push([r, e]);
  if (i > 0 && o.ngram > 0) {
    histories.forEach((h, r) => {
      for (const t of new Set(bannedNgramTokens(h, o.ngram))) banned.push([r, t]);
    });
  }
  let repetition: Adjustments['repetition'];
  if (i > 0 && o.repetition !== 1) {
    repetition = new Float32Array(rows * V).fill(1);
    histories.forEach((h, r) => {
      for (const t of h) repetition![r * V + t] = o.repetition;
    });
  }
  return { banned, ...(repetition ? { repetition } : {}) };
}

export interface SampleOptions {
  maxNewTokens: number;
  eosTokenIds: readonly number[];
  /** 0 = greedy (argmax); otherwise logits are divided by it before sampling. Default 0. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 = all). */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p (1 = all). */
  topP?: number;
  /** Seed of the sampling draws. */
  seed?: number;
}

/**
 * Greedy decoding (temperature 0) or sampling, one row per prompt, all rows per model call; a row stops at its first
 * EOS (which is kept). Returns the generated tokens of each prompt.
 */
export function generate<C>(model: IncrementalModel<C>, prompts: ReadonlyArray<readonly number[]>, options: SampleOptions): number[][] {
  const temperature = options.temperature ?? 0;
  const eos = new Set(options.eosTokenIds);
  const out: number[][] = prompts.map(() => []);
  const done = prompts.map(() => false);
  if (prompts.length === 0) return out;
  const uniform = mulberry32(options.seed ?? 0);
  const V = model.vocabSize;
  let { logits, cache } = model.prefill(prompts);
  try {
    for (let i = 0; i < options.maxNewTokens; i++) {
      let next: number[];
      if (temperature > 0) {
        const probs = tf.tidy(() => tf.softmax(tf.div(logits, temperature)));
        const data = probs.dataSync() as Float32Array;
        probs.dispose();
        next = prompts.map((_, r) => sampleRow(data.subarray(r * V, (r + 1) * V), options.topK ?? 0, options.topP ?? 1, uniform()));
      } else {
        const argmax = tf.argMax(logits, 1);
        next = Array.from(argmax.dataSync());
        argmax.dispose();
      }
      logits.dispose();
      next.forEach((token, r) => {
        if (done[r]) return;
        out[r].push(token);
        if (eos.has(token)) done[r] = true;
      });
      if (done.every(Boolean) || i === options.maxNewTokens - 1) break;
      ({ logits, cache } = model.step(next, cache));
    }
  } finally {
    model.disposeCache(cache);
  }
  return out;
}

/** Draws from `probs` restricted to top-k / nucleus p, given a uniform u in [0, 1). */
function sampleRow(probs: Float32Array, topK: number, topP: number, u: number): number {
  const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a] || a - b);
  let keep = topK > 0 ? order.slice(0, topK) : order;
  if (topP < 1) {
    let mass = 0;
    const cut: number[] = [];
    for (const t of keep) {
      cut.push(t);
      mass += probs[t];
      if (mass >= topP) break;
    }
    keep = cut;
  }
  const total = keep.reduce((s, t) => s + probs[t], 0);
  let acc = 0;
  for (const t of keep) {
    acc += probs[t] / total;
    if (u < acc) return t;
  }
  return keep[keep.length - 1];
}
