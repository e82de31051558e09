// Encoding as gpt2_encode.py --add_bos --add_eos: context ids + [eos] (the "bos" flag appends the separator after
// the context), and " " + completion encoded, + [eos]. With GPT-2's vocabulary eos = 50256 (`<|endoftext|>`).
import type { TextTokenizer } from '@lorats/tokenizers';
import type { NlgExample } from './formatted.js';

export interface EncodedExample {
  context: number[];
  completion: number[];
}

/** The `<|endoftext|>` id of a tokenizer (50256 for GPT-2); throws if the vocabulary has none. */
export function eosId(tokenizer: TextTokenizer): number {
  const id = tokenizer.tokenToId('<|endoftext|>');
  if (id === undefined) throw new Error('the tokenizer has no <|endoftext|> token');
  return id;
}

/** Encodes one formatted example. */
export function encodeExample(tokenizer: TextTokenizer, example: NlgExample, eos = eosId(tokenizer)): EncodedExample {
  return {
    context: [...tokenizer.encode(example.context), eos],
    completion: [...tokenizer.encode(` ${example.completion}`), eos],
  };
}

export function encodeExamples(tokenizer: TextTokenizer, examples: readonly NlgExample[]): EncodedExample[] {
  const eos = eosId(tokenizer);
  return examples.map((e) => encodeExample(tokenizer, e, eos));
}
