// sacrebleu `intl`: mteval-v14's international tokenization on Unicode punctuation and symbols.
import { pySplit } from '../text.js';

const PUNCT_AFTER_NON_NUMBER = /(\P{N})(\p{P})/gu;
const PUNCT_BEFORE_NON_NUMBER = /(\p{P})(\P{N})/gu;
const SYMBOL = /(\p{S})/gu;

/** Tokenizes one segment like sacrebleu's `TokenizerV14International`. */
export function tokenizeIntl(line: string): string {
  const s = line
    .replace(PUNCT_AFTER_NON_NUMBER, '$1 $2 ')
    .replace(PUNCT_BEFORE_NON_NUMBER, ' $1 $2')
    .replace(SYMBOL, ' $1 ');
  return pySplit(s).join(' ');
}
