import { describe, expect, it } from 'vitest';
import { stemEnglish } from './stemmer.js';
import { golden } from '../../test/fixtures.js';

const data = golden<{ producedBy: string; pairs: [string, string][] }>('stemmer');

describe(`Snowball English stemmer matches ${data.producedBy}`, () => {
  it(`stems ${data.pairs.length} words identically`, () => {
    const wrong = data.pairs.filter(([w, s]) => stemEnglish(w) !== s).map(([w, s]) => `${w}: ${stemEnglish(w)} != ${s}`);
    expect(wrong).toEqual([]);
  });
  it('handles the exception lists and short words', () => {
    expect(['skies', 'dying', 'news', 'succeeding', 'generously', 'is', "'tis"].map(stemEnglish)).toEqual([
      'sky',
      'die',
      'news',
      'succeed',
      'generous',
      'is',
      'tis',
    ]);
  });
});
