// NLTK 3.5's `word_tokenize` word splitter (NLTKWordTokenizer, the improved Treebank tokenizer), which
// GenerationEval applies before METEOR and TER. NLTK first splits sentences with its Punkt model; we treat each
// line as one sentence (NLTK's `preserve_line=True`). On text that LoRA's decoder has already split at every
// non-word character (`--tokenize`), sentence splitting cannot change the tokens, so both agree there.
import { PY_WHITESPACE, pySplit } from './text.js';

// Python's Unicode \w (letters, numbers, underscore) and a \b built from it (JavaScript's \b is ASCII-only).
const W = '[\\p{L}\\p{N}_]';
const B = `(?:(?<=${W})(?!${W})|(?<!${W})(?=${W}))`;
const S = `[${PY_WHITESPACE}]`;

type Rule = [RegExp, string];
const re = (src: string, flags = '') => new RegExp(src, `gu${flags}`);

const STARTING_QUOTES: Rule[] = [
  [re('([«“‘„]|[`]+)'), ' $1 '],
  [re('^"'), '``'],
  [re('(``)'), ' $1 '],
  [re('([ ([{<])("|\'{2})'), '$1 `` '],
  [re(`(')(?!re|ve|ll|m|t|s|d)(${W})${B}`, 'i'), '$1 $2'],
];

const PUNCTUATION: Rule[] = [
  [re(`([^.])(\\.)([\\])}>"'»”’ ]*)${S}*$`), '$1 $2 $3 '],
  [re('([:,])([^\\p{Nd}])'), ' $1 $2'],
  [re('([:,])$'), ' $1 '],
  [re('\\.{2,}'), ' $& '],
  [re('[;@#$%&]'), ' $& '],
  [re(`([^.])(\\.)([\\])}>"']*)${S}*$`), '$1 $2$3 '],
  [re('[?!]'), ' $& '],
  [re("([^'])' "), "$1 ' "],
  [re('[*]'), ' $& '],
];

const PARENS_BRACKETS: Rule = [re('[\\][(){}<>]'), ' $& '];
const DOUBLE_DASHES: Rule = [re('--'), ' -- '];

const ENDING_QUOTES: Rule[] = [
  [re('([»”’])'), ' $1 '],
  [re('"'), " '' "],
  [re(`([^${PY_WHITESPACE}])('')`), '$1 $2 '],
  [re("([^' ])('[sS]|'[mM]|'[dD]|') "), '$1 $2 '],
  [re("([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) "), '$1 $2 '],
];

const CONTRACTIONS2: Rule[] = [
  [re(`${B}(can)(not)${B}`, 'i'), ' $1 $2 '],
  [re(`${B}(d)('ye)${B}`, 'i'), ' $1 $2 '],
  [re(`${B}(gim)(me)${B}`, 'i'), ' $1 $2 '],
  [re(`${B}(gon)(na)${B}`, 'i'), ' $1 $2 '],
  [re(`${B}(got)(ta)${B}`, 'i'), ' $1 $2 '],
  [re(`${B}(lem)(me)${B}`, 'i'), ' $1 $2 '],
  [re(`${B}(mor)('n)${B}`, 'i'), ' $1 $2 '],
  [re(`${B}(wan)(na)${S}`, 'i'), ' $1 $2 '],
];
const CONTRACTIONS3: Rule[] = [
  [re(` ('t)(is)${B}`, 'i'), ' $1 $2 '],
  [re(` ('t)(was)${B}`, 'i'), ' $1 $2 '],
];

const apply = (text: string, rules: readonly Rule[]) => rules.reduce((t, [r, s]) => t.replace(r, s), text);

/** NLTK 3.5 `NLTKWordTokenizer().tokenize(text)` (one sentence). */
export function nltkWordTokenize(text: string): string[] {
  let t = apply(text, STARTING_QUOTES);
  t = apply(t, PUNCTUATION);
  t = apply(t, [PARENS_BRACKETS, DOUBLE_DASHES]);
  t = ` ${t} `;
  t = apply(t, ENDING_QUOTES);
  t = apply(t, CONTRACTIONS2);
  t = apply(t, CONTRACTIONS3);
  return pySplit(t);
}
