// The sacrebleu tokenizers by name.
import { tokenize13a } from './13a.js';
import { tokenizeChar } from './char.js';
import { tokenizeIntl } from './intl.js';
import { tokenizeNone } from './none.js';

/** Names accepted by `--tokenize`, as sacrebleu spells them. */
export const TOKENIZERS = ['none', '13a', 'intl', 'char'] as const;
export type TokenizerName = (typeof TOKENIZERS)[number];

const BY_NAME: Record<TokenizerName, (line: string) => string> = {
  none: tokenizeNone,
  '13a': tokenize13a,
  intl: tokenizeIntl,
  char: tokenizeChar,
};

/** Returns the tokenizer called `name`; throws for names sacrebleu has but we do not (zh, ja-mecab, spm, ...). */
export function getTokenizer(name: string): (line: string) => string {
  if (!(TOKENIZERS as readonly string[]).includes(name)) {
    throw new Error(`unknown tokenizer "${name}" (available: ${TOKENIZERS.join(', ')})`);
  }
  return BY_NAME[name as TokenizerName];
}
