import { describe, expect, it } from 'vitest';
import { cleanText, filterGroups, formatE2EReferences, formatMultiReferences, formatPredictions, groupByContext, postProcess, referenceLists } from './references.js';

describe('gpt2_decode.py text handling', () => {
  it('cuts at <|endoftext|> and at the first blank line, then strips', () => {
    expect(cleanText(' The Eagle is a pub . <|endoftext|>!!!!')).toBe('The Eagle is a pub .');
    expect(cleanText('First part .\n\nsecond<|endoftext|>')).toBe('First part .');
  });

  it('lowercases, then splits every non-word character off (Unicode letters stay in words)', () => {
    expect(postProcess("Don't go: 30.5 family-friendly Zürich", { lower: true, tokenize: true })).toBe("don ' t go : 30 . 5 family - friendly zürich");
    expect(postProcess('  two   spaces ', {})).toBe('two spaces');
  });
});

describe('references and predictions files', () => {
  const examples = [
    { context: 'a', completion: 'A one .' },
    { context: 'b', completion: 'B one .', cate: false },
    { context: 'a', completion: 'A two .<|endoftext|>' },
    { context: 'c', completion: 'C one .', cate: true },
  ];
  const groups = groupByContext(examples);
  groups.forEach((g, i) => (g.hypothesis = `Hyp ${i} .<|endoftext|>junk`));

  it('groups references by exact context in order of first appearance', () => {
    expect(groups.map((g) => [g.context, g.references, g.firstLine])).toEqual([
      ['a', ['A one .', 'A two .'], 0],
      ['b', ['B one .'], 1],
      ['c', ['C one .'], 3],
    ]);
  });

  it('writes the E2E layout: references one per line with a blank line after each context', () => {
    expect(formatE2EReferences(groups)).toBe('A one .\nA two .\n\nB one .\n\nC one .\n\n');
    expect(formatPredictions(groups)).toBe('Hyp 0 .\nHyp 1 .\nHyp 2 .\n');
  });

  it('writes reference0…N−1, repeating the first reference and dropping those beyond N', () => {
    const [r0, r1] = formatMultiReferences(groups, 2, { lower: true, tokenize: true });
    expect(r0).toBe('a one .\nb one .\nc one .\n');
    expect(r1).toBe('a two .\nb one .\nc one .\n');
    expect(referenceLists(groups, {}, 1)).toEqual([['A one .'], ['B one .'], ['C one .']]);
  });

  it('filters WebNLG seen and unseen categories by cate', () => {
    expect(filterGroups(groups, 'seen').map((g) => g.context)).toEqual(['c']);
    expect(filterGroups(groups, 'unseen').map((g) => g.context)).toEqual(['b']);
    expect(filterGroups(groups, 'all')).toHaveLength(3);
  });
});
