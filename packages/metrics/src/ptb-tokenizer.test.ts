import { describe, expect, it } from 'vitest';
import { cocoTokenize, ptbLex } from './ptb-tokenizer.js';
import { golden } from '../test/fixtures.js';

const data = golden<{ producedBy: string; cases: { corpus: string; input: string[]; output: string[] }[] }>('ptb-tokenizer');

describe(`PTB tokenizer matches ${data.producedBy}`, () => {
  it.each(data.cases.map((c, i) => [`${c.corpus} #${i} (${c.input.length} captions)`, c] as const))('%s', (_, c) => {
    expect(cocoTokenize(c.input)).toEqual(c.output);
  });
  it('keeps -LRB- tokens lowercased, so pycocoevalcap does not remove them', () => {
    expect(cocoTokenize(['(a)'])).toEqual(['-lrb- a -rrb-']);
  });
  it('splits clitics and assimilations, and repeats an acronym period before a sentence start', () => {
    expect(ptbLex("can't cannot U.S. The end")).toEqual(['ca', "n't", 'can', 'not', 'U.S.', '.', 'The', 'end']);
    expect(ptbLex('in the U.S.')).toEqual(['in', 'the', 'U.S.']);
  });
  it('drops characters outside the Basic Multilingual Plane, like the UTF-16 lexer', () => {
    expect(cocoTokenize(['a 😀 b'])).toEqual(['a b']);
  });
});
