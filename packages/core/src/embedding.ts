// Embedding: torch.nn.Embedding (weight [num, dim]) that is also loralib's lora.Embedding when given a rank.
// LoRA: A [rank, num], B [dim, rank]; out = W[ids] + scaling·Aᵀ[ids]·Bᵀ; ΔW = (B·A)ᵀ·scaling [num, dim].
// loralib initialises the other way round from Linear: A = 0, B ~ N(0, 1) (so ΔW = 0 at init).
import * as tf from '@tensorflow/tfjs-core';
import { type AdapterInit, type AdapterOptions, DEFAULT_ADAPTER, type LoraAdapter, LoraLayer, stopGradient } from './adapters.js';
import { normal } from './init.js';

/** Options for `Embedding` (loralib's lora.Embedding; rank 0 is a plain nn.Embedding). */
export interface EmbeddingOptions {
  /** Row whose output gets no gradient and starts at zero (nn.Embedding's padding_idx; negative counts from the end). */
  paddingIdx?: number;
  /** LoRA rank; 0 (default) adds no adapter. */
  rank?: number;
  /** scaling = alpha / rank (default 1). */
  alpha?: number;
  /** loralib's merge_weights (default true). */
  mergeWeights?: boolean;
  /** rsLoRA scaling alpha / √rank. */
  useRsLora?: boolean;
  /** Adapter init (default true: A = 0, B ~ N(0, 1)). */
  init?: AdapterOptions['init'];
}

/** torch.nn.Embedding with loralib's LoRA (keys `weight`, `lora_A` [rank, num], `lora_B` [dim, rank]). */
export class Embedding extends LoraLayer {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly weight: tf.Variable;
  readonly bias = null;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super(options.mergeWeights ?? true);
    if (!Number.isInteger(numEmbeddings) || numEmbeddings <= 0 || !Number.isInteger(embeddingDim) || embeddingDim <= 0) {
      throw new Error(`Embedding: numEmbeddings and embeddingDim must be positive integers, got ${numEmbeddings}, ${embeddingDim}`);
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    const pad = options.paddingIdx;
    if (pad != null && (!Number.isInteger(pad) || pad >= numEmbeddings || pad < -numEmbeddings)) {
      throw new Error(`Embedding: paddingIdx ${pad} out of range for ${numEmbeddings} embeddings`);
    }
    this.paddingIdx = pad == null ? null : pad < 0 ? pad + numEmbeddings : pad;
    // nn.Embedding.reset_parameters: W ~ N(0, 1), padding row zeroed
    let w = normal([numEmbeddings, embeddingDim]);
    if (this.paddingIdx != null) {
      const rowMask = tf.reshape(tf.oneHot(tf.tensor1d([this.paddingIdx], 'int32'), numEmbeddings), [numEmbeddings, 1]);
      const zeroed = tf.mul(w, tf.sub(1, rowMask));
      rowMask.dispose();
      w.dispose();
      w = zeroed;
    }
    this.weight = this.registerParameter('weight', w);
    const rank = options.rank ?? 0;
    if (rank < 0 || !Number.isInteger(rank)) throw new Error(`Embedding: rank must be a non-negative integer, got ${rank}`);
    if (rank > 0) this.addAdapter(DEFAULT_ADAPTER, { rank, alpha: options.alpha, useRsLora: options.useRsLora, init: options.init });
  }

  protected initAdapter(_name: string, options: AdapterOptions, _scaling: number): AdapterInit {
    if (options.enableLora != null) throw new Error('Embedding: enableLora applies to Linear layers only');
    if ((options.dropout ?? 0) !== 0) throw new Error('Embedding: LoRA dropout is not supported on embeddings (loralib and PEFT apply none)');
    const shapeA = [options.rank, this.numEmbeddings];
    const shapeB = [this.embeddingDim, options.rank];
    const init = options.init ?? true;
    if (init === true || init === 'gaussian') return { loraA: tf.zeros(shapeA), loraB: normal(shapeB) };
    if (init === false) return { loraA: normal(shapeA), loraB: normal(shapeB) };
    throw new Error(`Embedding: unsupported init ${JSON.stringify(init)} (expected true | false | 'gaussian')`);
  }

  protected deltaFrom(adapter: LoraAdapter): tf.Tensor {
    return tf.tidy(() => tf.transpose(tf.matMul(adapter.loraB, adapter.loraA))); // [num, dim]
  }

  /** Rows of `table` at `ids`, with no gradient flowing into the padding row. */
  private lookup(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
    const rows = tf.gather(table, ids); // [..., cols]
    if (this.paddingIdx == null) return rows;
    const keep = tf.expandDims(tf.notEqual(ids, this.paddingIdx), -1);
    return tf.where(tf.broadcastTo(keep, rows.shape), rows, stopGradient(rows));
  }

  /** ids [...] (int32) → [..., dim]. */
  forward(ids: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const idx = ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32');
      let y = this.lookup(this.weight, idx);
      for (const adapter of this.pendingAdapters()) {
        const afterA = this.lookup(tf.transpose(adapter.loraA), idx); // [..., rank]
        const r = adapter.rank;
        const delta = tf.matMul(tf.reshape(afterA, [-1, r]), adapter.loraB, false, true); // [N, dim]
        y = tf.add(y, tf.mul(tf.reshape(delta, y.shape), adapter.scaling));
      }
      return y;
    });
  }

  protected override extraRepr(): string {
    const base = `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx == null ? '' : `, paddingIdx=${this.paddingIdx}`}`;
    const lora = super.extraRepr();
    return lora === '' ? base : `${base}, ${lora}`;
  }
}
