/** What models and data pipelines need from a tokenizer: text ↔ ids, and the vocabulary. */
export interface TextTokenizer {
  /** Number of ids (largest id + 1). */
  readonly vocabSize: number;
  /** Ids of `text`, without any special tokens added. */
  encode(text: string): number[];
  /** Text of `ids`. */
  decode(ids: readonly number[]): string;
  /** Id of a vocabulary entry (e.g. `<|endoftext|>`), or undefined. */
  tokenToId(token: string): number | undefined;
  /** Vocabulary entry of an id, or undefined. */
  idToToken(id: number): string | undefined;
}
