// Sentence-pair inputs for encoder classifiers: special tokens around one or two sequences, truncation to a length
// budget and padding, as HF tokenizers' `TemplateProcessing`, `TruncationStrategy::LongestFirst` and padding do.

/** Where special tokens go: `start A end` for one sequence, `start A middle B end` for a pair. */
export interface PairTemplate {
  /** Ids before the first sequence (`<s>`, `[CLS]`). */
  start: readonly number[];
  /** Ids between the sequences (`</s></s>` for RoBERTa, `[SEP]` for BERT and DeBERTa). */
  middle: readonly number[];
  /** Ids after the last sequence (`</s>`, `[SEP]`). */
  end: readonly number[];
  /** Token type of the second sequence and the ids after it (1 for BERT and DeBERTa, 0 for RoBERTa). */
  secondType: number;
}

/** Which sequence loses tokens when a pair is too long. */
export type TruncationStrategy = 'longest_first' | 'only_first' | 'only_second';

/** One encoded example, before padding. */
export interface EncodedInput {
  inputIds: number[];
  tokenTypeIds: number[];
  attentionMask: number[];
}

/**
 * Truncates `first` (and `second`) so that together they hold at most `budget` ids (tails are cut).
 * `longest_first` follows HF tokenizers: the shorter sequence keeps its length when it fits in half the budget;
 * otherwise both get half, the extra odd id going to the originally longer one.
 */
export function truncatePair(
  first: readonly number[],
  second: readonly number[] | undefined,
  budget: number,
  strategy: TruncationStrategy = 'longest_first',
): [number[], number[] | undefined] {
  if (budget < 0) throw new Error(`truncation budget ${budget} is negative`);
  const total = first.length + (second?.length ?? 0);
  if (total <= budget) return [[...first], second && [...second]];
  if (!second) {
    if (strategy === 'only_second') throw new Error('only_second truncation needs a second sequence');
    return [first.slice(0, budget), undefined];
  }
  if (strategy === 'only_first') {
    const keep = budget - second.length;
    if (keep < 0) throw new Error(`the second sequence (${second.length} ids) alone exceeds the budget of ${budget}`);
    return [first.slice(0, keep), [...second]];
  }
  if (strategy === 'only_second') {
    const keep = budget - first.length;
    if (keep < 0) throw new Error(`the first sequence (${first.length} ids) alone exceeds the budget of ${budget}`);
    return [[...first], second.slice(0, keep)];
  }
  const swap = first.length > second.length;
  let short = swap ? second.length : first.length;
  let long = swap ? first.length : second.length;
  long = short > budget ? short : Math.max(short, budget - short);
  if (short + long > budget) {
    short = Math.floor(budget / 2);
    long = short + (budget % 2);
  }
  const [n1, n2] = swap ? [long, short] : [short, long];
  return [first.slice(0, n1), second.slice(0, n2)];
}

/** Adds the template's special tokens, truncating the content to fit `maxLength` when given. */
export function encodePair(
  first: readonly number[],
  second: readonly number[] | undefined,
  template: PairTemplate,
  options: { maxLength?: number; truncation?: TruncationStrategy } = {},
): EncodedInput {
  const specials = template.start.length + template.end.length + (second ? template.middle.length : 0);
  let a = [...first];
  let b = second && [...second];
  if (options.maxLength !== undefined) {
    if (options.maxLength < specials) {
      throw new Error(`max length ${options.maxLength} leaves no room for the ${specials} special tokens`);
    }
    [a, b] = truncatePair(a, b, options.maxLength - specials, options.truncation);
  }
  const head = [...template.start, ...a];
  if (!b) {
    const inputIds = [...head, ...template.end];
    return { inputIds, tokenTypeIds: inputIds.map(() => 0), attentionMask: inputIds.map(() => 1) };
  }
  const firstPart = [...head, ...template.middle];
  const secondPart = [...b, ...template.end];
  return {
    inputIds: [...firstPart, ...secondPart],
    tokenTypeIds: [...firstPart.map(() => 0), ...secondPart.map(() => template.secondType)],
    attentionMask: [...firstPart, ...secondPart].map(() => 1),
  };
}

/** A padded batch: row-major `[batch, length]` arrays. */
export interface PaddedBatch {
  batch: number;
  length: number;
  inputIds: Int32Array;
  tokenTypeIds: Int32Array;
  attentionMask: Int32Array;
}

/** Pads examples on the right with `padId` to `length` (default: the longest example). */
export function padBatch(examples: readonly EncodedInput[], padId: number, length?: number): PaddedBatch {
  const longest = Math.max(0, ...examples.map((e) => e.inputIds.length));
  const len = length ?? longest;
  if (longest > len) throw new Error(`an example has ${longest} ids, more than the padded length ${len}`);
  const n = examples.length;
  const inputIds = new Int32Array(n * len).fill(padId);
  const tokenTypeIds = new Int32Array(n * len);
  const attentionMask = new Int32Array(n * len);
  examples.forEach((e, i) => {
    inputIds.set(e.inputIds, i * len);
    tokenTypeIds.set(e.tokenTypeIds, i * len);
    attentionMask.set(e.attentionMask, i * len);
  });
  return { batch: n, length: len, inputIds, tokenTypeIds, attentionMask };
}
