// RoBERTa's tokenizer: GPT-2's byte-level BPE (vocab.json + merges.txt, or tokenizer.json) with RoBERTa's special
// tokens, and `<s> A </s></s> B </s>` inputs (all token types 0).

import { ByteLevelBpe, encodePair, type EncodedInput, type PairTemplate, type TruncationStrategy } from '@lorats/tokenizers';

/** RoBERTa's special tokens, matched whole in text as HF's added tokens are. */
export const ROBERTA_SPECIAL_TOKENS = ['<s>', '<pad>', '</s>', '<unk>', '<mask>'] as const;

/** Text to model inputs for RoBERTa. */
export class RobertaTokenizer {
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  private readonly template: PairTemplate;

  constructor(readonly bpe: ByteLevelBpe) {
    const id = (t: string) => {
      const v = bpe.tokenToId(t);
      if (v === undefined) throw new Error(`RoBERTa tokenizer: the vocabulary has no ${t}`);
      return v;
    };
    this.bosId = id('<s>');
    this.eosId = id('</s>');
    this.padId = id('<pad>');
    this.template = { start: [this.bosId], middle: [this.eosId, this.eosId], end: [this.eosId], secondType: 0 };
  }

  /** Reads vocab.json + merges.txt (or tokenizer.json) from a model folder. */
  static fromFolder(folder: string): RobertaTokenizer {
    return new RobertaTokenizer(ByteLevelBpe.fromFolder(folder, { specialTokens: ROBERTA_SPECIAL_TOKENS }));
  }

  get vocabSize(): number {
    return this.bpe.vocabSize;
  }

  /** Ids of `text` without special tokens. */
  encode(text: string): number[] {
    return this.bpe.encode(text);
  }

  /** `<s> a </s>` or `<s> a </s></s> b </s>`, truncated to `maxLength` (HF's longest_first by default). */
  encodeInput(a: string, b?: string, options: { maxLength?: number; truncation?: TruncationStrategy } = {}): EncodedInput {
    return encodePair(this.encode(a), b === undefined ? undefined : this.encode(b), this.template, options);
  }
}
