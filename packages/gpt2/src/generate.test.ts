// Decoding logic on a toy incremental model whose next-token logits depend only on the last token (a bigram table),
// so expected outputs can be worked out by hand.
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupTestBackend } from '@lorats/testing';
import { bannedNgramTokens, beamSearch, generate, type IncrementalModel } from './generate.js';

beforeAll(async () => {
  await setupTestBackend(); // cpu or torch: the vitest project says (vitest.shared.ts onBothBackends)
});

/** logits(next | last) = log of a row-stochastic table; the cache is each row's last token. */
function bigram(table: number[][]): IncrementalModel<number[]> & { calls: number } {
  const V = table.length;
  const rows = (last: number[]) => tf.tensor2d(last.map((t) => table[t].map((p) => Math.log(p))), [last.length, V]);
  return {
    vocabSize: V,
    calls: 0,
    prefill(prompts) {
      const last = prompts.map((p) => p[p.length - 1]);
      return { logits: rows(last), cache: last };
    },
    step(tokens) {
      this.calls++;
      return { logits: rows([...tokens]), cache: [...tokens] };
    },
    reorderCache(cache, order) {
      return order.map((r) => cache[r]);
    },
    disposeCache() {},
  };
}

// Token 3 is the end token. From 0 the likeliest path is 0 → 1 → 2 → 3.
const TABLE = [
  [0.05, 0.6, 0.3, 0.05],
  [0.05, 0.05, 0.8, 0.1],
  [0.1, 0.1, 0.1, 0.7],
  [0.25, 0.25, 0.25, 0.25],
];

describe('bannedNgramTokens (fairseq no_repeat_ngram over generated tokens)', () => {
  it('bans tokens that would complete an n-gram already generated', () => {
    expect(bannedNgramTokens([1, 2, 1], 2)).toEqual([2]);
    expect(bannedNgramTokens([5, 6, 7, 5, 6], 3)).toEqual([7]);
    expect(bannedNgramTokens([1, 2], 4)).toEqual([]);
    expect(bannedNgramTokens([1, 1, 1], 0)).toEqual([]);
  });
});

describe('beamSearch', () => {
  it('finds the best EOS-terminated hypothesis and zero-pads it to maxNewTokens', () => {
    const [r] = beamSearch(bigram(TABLE), [[0]], { beams: 2, maxNewTokens: 5, eosTokenIds: [3], noRepeatNgramSize: 0 });
    expect(r.tokens).toEqual([1, 2, 3, 0, 0]);
    expect(r.score).toBeCloseTo(Math.log(0.6 * 0.8 * 0.7) / 3, 5);
  });

  it('divides by length^lengthPenalty, so a large penalty prefers longer candidates', () => {
    const short = beamSearch(bigram(TABLE), [[2]], { beams: 3, maxNewTokens: 4, eosTokenIds: [3], lengthPenalty: 0, noRepeatNgramSize: 0 });
    expect(short[0].tokens[0]).toBe(3);
    const long = beamSearch(bigram(TABLE), [[2]], { beams: 3, maxNewTokens: 4, eosTokenIds: [3], lengthPenalty: 3, noRepeatNgramSize: 0 });
    expect(long[0].tokens.indexOf(3)).toBeGreaterThan(0);
  });

  it('runs all steps (no early stop) and makes every beam a candidate at the end', () => {
    const model = bigram(TABLE);
    const [r] = beamSearch(model, [[0]], { beams: 2, maxNewTokens: 6, eosTokenIds: [], noRepeatNgramSize: 0 });
    expect(model.calls).toBe(5);
    expect(r.tokens).toHaveLength(6);
  });

  it('bans EOS before minLength and repeated n-grams', () => {
    const [r] = beamSearch(bigram(TABLE), [[2]], { beams: 1, maxNewTokens: 4, eosTokenIds: [3], minLength: 2, noRepeatNgramSize: 0 });
    expect(r.tokens.indexOf(3)).toBeGreaterThanOrEqual(2);
    const loop = [
      [0.1, 0.8, 0.05, 0.05],
      [0.8, 0.1, 0.05, 0.05],
      [0.25, 0.25, 0.25, 0.25],
      [0.25, 0.25, 0.25, 0.25],
    ];
    const [free] = beamSearch(bigram(loop), [[0]], { beams: 1, maxNewTokens: 6, eosTokenIds: [], noRepeatNgramSize: 0 });
    expect(free.tokens).toEqual([1, 0, 1, 0, 1, 0]);
    const [banned] = beamSearch(bigram(loop), [[0]], { beams: 1, maxNewTokens: 6, eosTokenIds: [], noRepeatNgramSize: 2 });
    // After 1 0 1, the bigram (1, 0) exists, so 0 is banned after 1: the next token is the runner-up, 1.
    expect(banned.tokens.slice(0, 4)).toEqual([1, 0, 1, 1]);
  });

  it('decodes several prompts at once exactly as one at a time', () => {
    const prompts = [[0], [2], [1]];
    const opts = { beams: 3, maxNewTokens: 5, eosTokenIds: [3], lengthPenalty: 0.8, noRepeatNgramSize: 2 };
    const together = beamSearch(bigram(TABLE), prompts, opts);
    const apart = prompts.map((p) => beamSearch(bigram(TABLE), [p], opts)[0]);
    expect(together).toEqual(apart);
  });
});

describe('generate (greedy and sampling)', () => {
  it('greedy follows the argmax and stops at EOS, keeping it', () => {
    expect(generate(bigram(TABLE), [[0], [3]], { maxNewTokens: 6, eosTokenIds: [3] })).toEqual([[1, 2, 3], [0, 1, 2, 3]]);
  });

  it('sampling is reproducible from a seed, and top-k 1 is greedy', () => {
    const opts = { maxNewTokens: 8, eosTokenIds: [3], temperature: 1, seed: 5 };
    expect(generate(bigram(TABLE), [[0]], opts)).toEqual(generate(bigram(TABLE), [[0]], opts));
    expect(generate(bigram(TABLE), [[0]], { ...opts, topK: 1 })).toEqual([[1, 2, 3]]);
    const draws = new Set(Array.from({ length: 20 }, (_, s) => generate(bigram(TABLE), [[0]], { ...opts, seed: s })[0].join(',')));
    expect(draws.size).toBeGreaterThan(1);
  });
});
