// Hugging Face `tokenizer.json` files through @huggingface/tokenizers (pure JS). For GPT-2 this gives the same ids
// as `ByteLevelBpe`, except that `<|endoftext|>` written in text becomes id 50256 (an added special token).
import { readFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';
import type { TextTokenizer } from './tokenizer.js';

/** Any tokenizer an HF `tokenizer.json` describes (BPE, WordPiece, Unigram, …). */
export class HfTokenizer implements TextTokenizer {
  readonly vocabSize: number;

  private constructor(private readonly inner: Tokenizer) {
    let max = -1;
    for (const id of inner.get_vocab(true).values()) if (id > max) max = id;
    this.vocabSize = max + 1;
  }

  /** Loads `tokenizer.json` (and `tokenizer_config.json` beside it, if given). */
  static fromFile(file: string, config: Record<string, unknown> = {}): HfTokenizer {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file}: not a readable tokenizer.json (${(e as Error).message})`);
    }
    try {
      return HfTokenizer.fromJson(json, config);
    } catch (e) {
      throw new Error(`${file}: ${(e as Error).message}`);
    }
  }

  /** Builds a tokenizer from parsed `tokenizer.json` content. */
  static fromJson(json: unknown, config: Record<string, unknown> = {}): HfTokenizer {
    if (typeof json !== 'object' || json === null || !('model' in json)) throw new Error('no "model" entry in tokenizer.json');
    return new HfTokenizer(new Tokenizer(json, config));
  }

  encode(text: string): number[] {
    return this.inner.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: readonly number[]): string {
    return this.inner.decode([...ids], { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }

  tokenToId(token: string): number | undefined {
    return this.inner.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.inner.id_to_token(id);
  }
}
