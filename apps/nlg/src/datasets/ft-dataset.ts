// Training examples and batches as examples/NLG/src/data_utils.py's FT_Dataset builds them (reference §2.3):
//   input  = (context + completion)[:T], right-padded with 0
//   target = (context + completion)[1:][:T], right-padded with 0   (already shifted: no shift in the loss)
//   mask   = [0]·(len(context)−1) + [1]·(len(input)−len(context)), padded with 0
// so the loss covers exactly the completion tokens (the first predicted from the separator position) including its
// final eos. The data set is padded to whole batches: an index ≥ N is replaced by a random example.
import { deriveSeed, Rng } from '@lorats/experiment';
import type { EncodedExample } from './encode.js';

/** One example before padding: `input`, `target`, `mask` all of length `length` (≤ maxSeqLength). */
export interface LmExample {
  input: number[];
  target: number[];
  mask: number[];
}

/** A padded batch, row-major `[batchSize, seqLength]`. */
export interface LmBatch {
  batchSize: number;
  seqLength: number;
  input: Int32Array;
  target: Int32Array;
  mask: Float32Array;
  /** Σ mask: the tokens the loss averages over. */
  tokens: number;
  /** Real (unpadded) input tokens. */
  inputTokens: number;
}

/** Builds input/target/mask for one example (`jointLm`: loss on every next token, `--obj jlm`). */
export function lmExample(e: EncodedExample, maxSeqLength: number, jointLm = false): LmExample {
  const full = [...e.context, ...e.completion];
  const input = full.slice(0, maxSeqLength);
  const target = full.slice(1, maxSeqLength + 1);
  const n = input.length;
  const raw = jointLm
    ? new Array<number>(Math.max(0, n - 1)).fill(1)
    : [...new Array<number>(e.context.length - 1).fill(0), ...new Array<number>(Math.max(0, n - e.context.length)).fill(1)];
  const mask = raw.slice(0, maxSeqLength);
  return { input, target, mask };
}

/** The decoding query: the context truncated from the left to `maxSeqLength − maxEvalLength` tokens. */
export function queryOf(e: EncodedExample, maxSeqLength: number, maxEvalLength: number): number[] {
  const keep = maxSeqLength - maxEvalLength;
  if (keep <= 0) throw new Error(`maxSeqLength ${maxSeqLength} leaves no room for a query after ${maxEvalLength} new tokens`);
  return e.context.length > keep ? e.context.slice(e.context.length - keep) : [...e.context];
}

/**
 * Pads examples into one batch of length `seqLength` (default: the longest input rounded up to a multiple of 8, at
 * most `maxSeqLength`). Padding to the batch's longest input instead of `maxSeqLength` gives the same loss: attention
 * is causal and padded positions have mask 0.
 */
export function collate(examples: readonly LmExample[], maxSeqLength: number, seqLength?: number): LmBatch {
  const longest = Math.max(1, ...examples.map((e) => Math.max(e.input.length, e.mask.length)));
  const t = seqLength ?? Math.min(maxSeqLength, Math.ceil(longest / 8) * 8);
  if (t < longest) throw new Error(`collate: seqLength ${t} is shorter than an example (${longest})`);
  const b = examples.length;
  const input = new Int32Array(b * t);
  const target = new Int32Array(b * t);
  const mask = new Float32Array(b * t);
  let tokens = 0;
  let inputTokens = 0;
  examples.forEach((e, i) => {
    input.set(e.input, i * t);
    target.set(e.target.slice(0, t), i * t);
    mask.set(e.mask, i * t);
    for (const m of e.mask) tokens += m;
    inputTokens += e.input.length;
  });
  return { batchSize: b, seqLength: t, input, target, mask, tokens, inputTokens };
}

export interface FtBatcherOptions {
  batchSize: number;
  maxSeqLength: number;
  /** Shuffle each epoch with a permutation derived from (seed, epoch), as the DistributedSampler's shuffle. */
  shuffle: boolean;
  seed: number;
  jointLm?: boolean;
  /** Pad every batch to maxSeqLength (the reference's shapes) instead of the batch's longest input. */
  padToMax?: boolean;
}

/** Batches of an encoded data set, addressable by (epoch, batch) so a resumed run sees the same ones. */
export class FtBatcher {
  /** ceil(N / batchSize): the padded data set holds this many whole batches. */
  readonly batchesPerEpoch: number;
  private readonly examples: LmExample[];
  private cachedEpoch = -1;
  private cachedOrder: number[] = [];
  private lastBatch: { key: string; batch: LmBatch } | undefined;

  constructor(
    data: readonly EncodedExample[],
    private readonly options: FtBatcherOptions,
  ) {
    if (data.length === 0) throw new Error('FtBatcher: no examples');
    if (!(options.batchSize >= 1)) throw new Error(`FtBatcher: batchSize must be ≥ 1, got ${options.batchSize}`);
    this.examples = data.map((e) => lmExample(e, options.maxSeqLength, options.jointLm));
    this.batchesPerEpoch = Math.ceil(data.length / options.batchSize);
  }

  get size(): number {
    return this.examples.length;
  }

  /** Example indices of an epoch (1-based), `batchesPerEpoch · batchSize` long, fills resolved. */
  epochOrder(epoch: number): number[] {
    if (epoch === this.cachedEpoch) return this.cachedOrder;
    const n = this.examples.length;
    const len = this.batchesPerEpoch * this.options.batchSize;
    const order = this.options.shuffle ? new Rng(deriveSeed(this.options.seed, 'epoch', epoch)).permutation(len) : Array.from({ length: len }, (_, i) => i);
    // FT_Dataset replaces an index ≥ N by random.Random(911).randint(0, N−1), drawn in access order.
    const fill = new Rng(deriveSeed(911, 'fill', epoch));
    this.cachedOrder = order.map((i) => (i < n ? i : fill.int(n)));
    this.cachedEpoch = epoch;
    return this.cachedOrder;
  }

  /** Batch `index` (0-based) of `epoch` (1-based). */
  batch(epoch: number, index: number): LmBatch {
    if (index < 0 || index >= this.batchesPerEpoch) throw new Error(`FtBatcher: batch ${index} is outside 0…${this.batchesPerEpoch - 1}`);
    const key = `${epoch}:${index}`;
    if (this.lastBatch?.key === key) return this.lastBatch.batch;
    const bs = this.options.batchSize;
    const rows = this.epochOrder(epoch).slice(index * bs, (index + 1) * bs);
    const batch = collate(
      rows.map((i) => this.examples[i]),
      this.options.maxSeqLength,
      this.options.padToMax ? this.options.maxSeqLength : undefined,
    );
    this.lastBatch = { key, batch };
    return batch;
  }

  /** The batch of training update `step` (1-based): epochs follow each other without a gap. */
  batchAtStep(step: number): LmBatch {
    const epoch = Math.floor((step - 1) / this.batchesPerEpoch) + 1;
    return this.batch(epoch, (step - 1) % this.batchesPerEpoch);
  }
}
