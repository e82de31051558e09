import { describe, expect, it } from 'vitest';
import { encodePair, padBatch, truncatePair } from './pair-encoding.js';

const seq = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
const lengths = ([a, b]: [number[], number[] | undefined]) => [a.length, b?.length];

describe('truncatePair', () => {
  it.each([
    // [first, second, budget, expected lengths]
    [3, 10, 5, [2, 3]], // both over half: the originally longer one gets the odd id
    [10, 3, 5, [3, 2]],
    [2, 10, 6, [2, 4]], // the short one fits in half: it keeps everything
    [4, 4, 8, [4, 4]],
    [5, 5, 7, [3, 4]],
    [9, 0, 4, [4, 0]],
  ])('longest_first %i + %i into %i', (a, b, budget, expected) => {
    expect(lengths(truncatePair(seq(a), seq(b, 100), budget))).toEqual(expected);
  });

  it('cuts tails, keeping heads', () => {
    expect(truncatePair(seq(4), seq(4, 10), 4)).toEqual([
      [0, 1],
      [10, 11],
    ]);
  });

  it('truncates a single sequence and honours only_first/only_second', () => {
    expect(truncatePair(seq(5), undefined, 3)).toEqual([[0, 1, 2], undefined]);
    expect(lengths(truncatePair(seq(5), seq(3), 6, 'only_first'))).toEqual([3, 3]);
    expect(lengths(truncatePair(seq(5), seq(3), 6, 'only_second'))).toEqual([5, 1]);
    expect(() => truncatePair(seq(2), seq(9), 5, 'only_first')).toThrow(/second sequence/);
  });
});

describe('encodePair', () => {
  const roberta = { start: [0], middle: [2, 2], end: [2], secondType: 0 };
  const deberta = { start: [1], middle: [2], end: [2], secondType: 1 };

  it('wraps one sequence in start and end', () => {
    expect(encodePair([7, 8], undefined, roberta)).toEqual({ inputIds: [0, 7, 8, 2], tokenTypeIds: [0, 0, 0, 0], attentionMask: [1, 1, 1, 1] });
  });

  it('joins a pair with the middle tokens and types the second part', () => {
    expect(encodePair([7], [9], roberta).inputIds).toEqual([0, 7, 2, 2, 9, 2]);
    const d = encodePair([7], [9, 10], deberta);
    expect(d.inputIds).toEqual([1, 7, 2, 9, 10, 2]);
    expect(d.tokenTypeIds).toEqual([0, 0, 0, 1, 1, 1]);
  });

  it('truncates the content to leave room for the special tokens', () => {
    const e = encodePair(seq(10, 10), seq(10, 30), roberta, { maxLength: 10 });
    expect(e.inputIds).toEqual([0, 10, 11, 12, 2, 2, 30, 31, 32, 2]);
    expect(() => encodePair([1], [2], roberta, { maxLength: 3 })).toThrow(/no room/);
  });
});

describe('padBatch', () => {
  it('pads on the right to the longest or a fixed length', () => {
    const a = encodePair([5], undefined, { start: [0], middle: [], end: [2], secondType: 0 });
    const b = encodePair([5, 6, 7], undefined, { start: [0], middle: [], end: [2], secondType: 0 });
    const p = padBatch([a, b], 1);
    expect(p.length).toBe(5);
    expect(Array.from(p.inputIds)).toEqual([0, 5, 2, 1, 1, 0, 5, 6, 7, 2]);
    expect(Array.from(p.attentionMask)).toEqual([1, 1, 1, 0, 0, 1, 1, 1, 1, 1]);
    expect(padBatch([a], 1, 8).length).toBe(8);
    expect(() => padBatch([b], 1, 3)).toThrow(/more than the padded length/);
  });
});
