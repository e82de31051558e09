// GPT-2 (Radford et al. 2019) with LoRA (Hu et al. 2021, arXiv:2106.09685) as microsoft/LoRA examples/NLG/src/
// model.py builds it: pre-LN blocks, TF-style LayerNorm (eps 1e-5 inside the square root), tanh GELU, learned
// positions, an LM head tied to the token embedding, and no dropout in the backbone. LoRA sits on the query and value
// slices of each fused `c_attn` projection through loralib's MergedLinear (enable [q, k, v] = [T, F, T], fan_in_fan_out,
// never merged on eval); the only dropout is LoRA's, on the adapter input.
// Parameter names and layouts are Hugging Face's (`transformer.h.0.attn.c_attn.weight` is [C, 3C], Conv1D style), so
// checkpoints load by name.
//
// Shapes: B batch, T tokens, S key slots (cached + new), C width, H heads, D = C/H head size, V vocabulary,
// R decoding rows (contexts × beams), M tokens the loss is taken on.
import * as tf from '@tensorflow/tfjs-core';
import { attention, crossEntropy, Embedding, gelu, LayerNorm, Linear, linear, MergedLinear, Module, ModuleList, normal, packedAttention } from '@lorats/core';
import { DEFAULT_LORA_TARGETS, headSize, type Gpt2Config, type Gpt2LoraConfig } from './config.js';

/** Additive value for hidden key slots (model.py uses −1e10; exp underflows to exactly 0 either way). */
const MASKED = -1e10;

/** Largest ids × vocabulary for which a trainable embedding is looked up by one-hot matmul (see `embed`). */
const ONE_HOT_LOOKUP_LIMIT = 1 << 22;

/**
 * ids [B, T] → [B, T, C]. A trainable, adapter-free embedding over a small vocabulary is read as oneHot(ids)·W: the
 * same values, and its gradient is one matmul, where gather's (unsortedSegmentSum) takes seconds on the tfjs cpu
 * backend. Otherwise (frozen weights, as in LoRA training, or large tables) it is the layer's own lookup.
 */
function embed(e: Embedding, ids: tf.Tensor2D): tf.Tensor3D {
  const [B, T] = ids.shape;
  if (!e.weight.trainable || e.adapters.size > 0 || ids.size * e.numEmbeddings > ONE_HOT_LOOKUP_LIMIT) return e.forward(ids) as tf.Tensor3D;
  const oneHot = tf.oneHot(tf.reshape(ids, [B * T]), e.numEmbeddings); // [B·T, V]
  return tf.reshape(tf.matMul(oneHot, e.weight), [B, T, e.embeddingDim]) as tf.Tensor3D;
}

/** Keys and values of every layer for incremental decoding, one row per sequence. */
export interface KvCache {
  /** Per layer, [R, H, S, D]. */
  keys: tf.Tensor4D[];
  values: tf.Tensor4D[];
  /** Per row: tokens seen so far, i.e. the position id of the next token. */
  lengths: number[];
  /** Per row: prompt length; slots promptLengths[r] … promptWidth−1 hold padding and are never attended. */
  promptLengths: number[];
  promptWidth: number;
}

/** Per-row extras of one attention call: position ids [B, T] and an optional additive key mask [B, 1, 1, S]. */
interface StepInputs {
  positions: tf.Tensor2D;
  mask?: tf.Tensor;
  /** No keys/values are kept (training, full-sequence logits): attention then runs on the packed q | k | v. */
  noCache?: boolean;
}

class Attention extends Module {
  readonly cAttn: MergedLinear;
  readonly cProj: Linear;

  constructor(
    readonly config: Gpt2Config,
    lora: Gpt2LoraConfig | undefined,
  ) {
    super();
    const C = config.nEmbd;
    // c_attn: [C, 3C] (Conv1D layout) → q | k | v; LoRA on q and v.
    this.cAttn = this.registerModule(
      'c_attn',
      new MergedLinear(C, 3 * C, {
        fanInFanOut: true,
        mergeWeights: false,
        enableLora: [...DEFAULT_LORA_TARGETS],
        ...(lora && lora.rank > 0 ? { rank: lora.rank, alpha: lora.alpha, dropout: lora.dropout } : {}),
      }),
    );
    this.cProj = this.registerModule('c_proj', new Linear(C, C, { fanInFanOut: true }));
  }

  /**
   * x [B, T, C] → y [B, T, C] (plus `residual`, added in c_proj's kernel), and this call's keys and values appended to
   * `past` ([B, H, S, D]).
   */
  forward(x: tf.Tensor3D, inputs: StepInputs, past?: { k: tf.Tensor4D; v: tf.Tensor4D }, residual: tf.Tensor | null = null): { y: tf.Tensor3D; k?: tf.Tensor4D; v?: tf.Tensor4D } {
    const [B, T, C] = x.shape;
    const H = this.config.nHead;
    const D = headSize(this.config);
    const qkv = this.cAttn.forward(x); // [B, T, 3C]
    if (inputs.noCache && !past && !inputs.mask) {
      // causal self-attention on q | k | v as they are, heads merged in the result: [B, T, 3C] → [B, T, C]
      return { y: this.cProj.forward(packedAttention(qkv, H, { causal: true, scale: 1 / Math.sqrt(D) }), residual) as tf.Tensor3D };
    }
    const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, T, H, D]), [0, 2, 1, 3]); // [B, T, C] → [B, H, T, D]
    const [q, kNew, vNew] = tf.split(qkv, 3, 2).map(heads) as tf.Tensor4D[];
    const k = past ? (tf.concat([past.k, kNew], 2) as tf.Tensor4D) : kNew; // [B, H, S, D]
    const v = past ? (tf.concat([past.v, vNew], 2) as tf.Tensor4D) : vNew;
    // Query t sees keys s ≤ t + S − T (all cached ones), minus the masked padding slots.
    const a = attention(q, k, v, { causal: true, scale: 1 / Math.sqrt(D), ...(inputs.mask ? { mask: inputs.mask } : {}) }); // [B, H, T, D]
    const merged = tf.reshape(tf.transpose(a, [0, 2, 1, 3]), [B, T, C]); // [B, H, T, D] → [B, T, C]
    return { y: this.cProj.forward(merged, residual) as tf.Tensor3D, k, v };
  }
}

class Mlp extends Module {
  readonly cFc: Linear;
  readonly cProj: Linear;

  constructor(config: Gpt2Config) {
    super();
    this.cFc = this.registerModule('c_fc', new Linear(config.nEmbd, 4 * config.nEmbd, { fanInFanOut: true })); // [C, 4C]
    this.cProj = this.registerModule('c_proj', new Linear(4 * config.nEmbd, config.nEmbd, { fanInFanOut: true })); // [4C, C]
  }

  /** x [B, T, C] → [B, T, C] (plus `residual`, added in c_proj's kernel). */
  forward(x: tf.Tensor, residual: tf.Tensor | null = null): tf.Tensor {
    return this.cProj.forward(gelu(this.cFc.forward(x), 'tanh'), residual);
  }
}

class Block extends Module {
  readonly ln1: LayerNorm;
  readonly attn: Attention;
  readonly ln2: LayerNorm;
  readonly mlp: Mlp;

  constructor(config: Gpt2Config, lora: Gpt2LoraConfig | undefined) {
    super();
    this.ln1 = this.registerModule('ln_1', new LayerNorm(config.nEmbd, { epsilon: config.layerNormEpsilon }));
    this.attn = this.registerModule('attn', new Attention(config, lora));
    this.ln2 = this.registerModule('ln_2', new LayerNorm(config.nEmbd, { epsilon: config.layerNormEpsilon }));
    this.mlp = this.registerModule('mlp', new Mlp(config));
  }

  /** Pre-LN: x + attn(ln_1(x)), then + mlp(ln_2(·)). */
  forward(x: tf.Tensor3D, inputs: StepInputs, past?: { k: tf.Tensor4D; v: tf.Tensor4D }): { x: tf.Tensor3D; k?: tf.Tensor4D; v?: tf.Tensor4D } {
    const a = this.attn.forward(this.ln1.forward(x) as tf.Tensor3D, inputs, past, x); // h = x + attn(ln_1(x))
    return { x: this.mlp.forward(this.ln2.forward(a.y), a.y) as tf.Tensor3D, k: a.k, v: a.v };
  }
}

/** The transformer body: embeddings, blocks and the final LayerNorm (HF's `transformer`). */
export class Gpt2Model extends Module {
  readonly wte: Embedding;
  readonly wpe: Embedding;
  readonly h: ModuleList<Block>;
  readonly lnF: LayerNorm;

  constructor(
    readonly config: Gpt2Config,
    lora?: Gpt2LoraConfig,
  ) {
    super();
    headSize(config);
    this.wte = this.registerModule('wte', new Embedding(config.vocabSize, config.nEmbd)); // [V, C]
    this.wpe = this.registerModule('wpe', new Embedding(config.nPositions, config.nEmbd)); // [P, C]
    this.h = this.registerModule('h', new ModuleList(Array.from({ length: config.nLayer }, () => new Block(config, lora))));
    this.lnF = this.registerModule('ln_f', new LayerNorm(config.nEmbd, { epsilon: config.layerNormEpsilon }));
  }

  /** ids [B, T] → hidden [B, T, C] after ln_f, and each layer's keys/values [B, H, S, D] (none with noCache). */
  forward(ids: tf.Tensor2D, inputs: StepInputs, past?: KvCache): { hidden: tf.Tensor3D; keys: tf.Tensor4D[]; values: tf.Tensor4D[] } {
    let x = tf.add(embed(this.wte, ids), embed(this.wpe, inputs.positions)) as tf.Tensor3D; // [B, T, C]
    const keys: tf.Tensor4D[] = [];
    const values: tf.Tensor4D[] = [];
    for (let i = 0; i < this.config.nLayer; i++) {
      const out = this.h.at(i).forward(x, inputs, past ? { k: past.keys[i], v: past.values[i] } : undefined);
      x = out.x;
      if (out.k && out.v) {
        keys.push(out.k);
        values.push(out.v);
      }
    }
    return { hidden: this.lnF.forward(x) as tf.Tensor3D, keys, values };
  }
}

/** A padded training batch, row-major [B, T] (as the NLG data pipeline builds it). */
export interface LmBatchLike {
  batchSize: number;
  seqLength: number;
  input: Int32Array;
  target: Int32Array;
  /** 1 where the loss is taken (completion tokens), 0 elsewhere. */
  mask: Float32Array;
}

export interface LossOptions {
  /** ε of `(1−ε)·NLL + ε·mean_v(−log p_v)`; model.py applies it only when > 1e-4. */
  labelSmoothing?: number;
}

/** GPT-2 with the tied LM head (examples/NLG's GPT2LMModel; HF's GPT2LMHeadModel). */
export class Gpt2LMModel extends Module {
  readonly transformer: Gpt2Model;

  constructor(
    readonly config: Gpt2Config,
    readonly lora?: Gpt2LoraConfig,
  ) {
    super();
    this.transformer = this.registerModule('transformer', new Gpt2Model(config, lora));
  }

  get vocabSize(): number {
    return this.config.vocabSize;
  }

  /** ids [B, T] (int32) → logits [B, T, V], positions 0 … T−1. */
  forward(ids: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const [B, T] = ids.shape;
      const { hidden } = this.transformer.forward(ids, { positions: this.positions(B, T), noCache: true });
      return this.head(hidden) as tf.Tensor3D;
    });
  }

  /** hidden [..., C] · wteᵀ → logits [..., V] (the tied head). */
  head(hidden: tf.Tensor): tf.Tensor {
    return linear(hidden, this.transformer.wte.weight, null); // wte [V, C] as an [out, in] weight
  }

  /**
   * The NLG training loss (GPT2LMModel.forward with lm_labels): per-token cross-entropy against the already-shifted
   * target, optional label smoothing, Σ(loss·mask) / (Σ mask + 1e−4). Logits are computed only where mask ≠ 0, which
   * gives the same value and gradient.
   */
  loss(batch: LmBatchLike, options: LossOptions = {}): tf.Scalar {
    const { batchSize: B, seqLength: T } = batch;
    if (batch.input.length !== B * T || batch.target.length !== B * T || batch.mask.length !== B * T) {
      throw new Error(`Gpt2LMModel.loss: batch arrays must hold ${B}×${T} values`);
    }
    const eps = options.labelSmoothing ?? 0;
    const rows: number[] = [];
    const labels: number[] = [];
    const weights: number[] = [];
    let maskSum = 0;
    for (let i = 0; i < B * T; i++) {
      maskSum += batch.mask[i];
      if (batch.mask[i] !== 0) {
        rows.push(i);
        labels.push(batch.target[i]);
        weights.push(batch.mask[i]);
      }
    }
    return tf.tidy(() => {
      if (rows.length === 0) return tf.scalar(0);
      const ids = tf.tensor2d(batch.input, [B, T], 'int32');
      const { hidden } = this.transformer.forward(ids, { positions: this.positions(B, T), noCache: true });
      const flat = tf.reshape(hidden, [B * T, this.config.nEmbd]); // [B·T, C]
      // Rows where the loss is taken (all of them: no selection), as a selection matmul [M, B·T]·[B·T, C]: its
      // gradient is one more matmul, while gather's (unsortedSegmentSum) is very slow on the tfjs cpu backend.
      const picked = rows.length === B * T ? flat : tf.matMul(tf.oneHot(tf.tensor1d(rows, 'int32'), B * T), flat); // [M, C]
      const logits = this.head(picked); // [M, V]
      const ce = crossEntropy(logits, tf.tensor1d(labels, 'int32'), { labelSmoothing: eps > 1e-4 ? eps : 0 }); // [M]
      return tf.div(tf.sum(tf.mul(ce, tf.tensor1d(weights))), maskSum + 1e-4) as tf.Scalar;
    });
  }

  /**
   * Runs prompts (each at least one token, right-padded to the longest) and returns the logits at each prompt's last
   * token [R, V] and the cache. The caller owns both.
   */
  prefill(prompts: ReadonlyArray<readonly number[]>): { logits: tf.Tensor2D; cache: KvCache } {
    if (prompts.length === 0 || prompts.some((p) => p.length === 0)) throw new Error('prefill: every prompt needs at least one token');
    const R = prompts.length;
    const P = Math.max(...prompts.map((p) => p.length));
    if (P > this.config.nPositions) throw new Error(`prefill: a prompt of ${P} tokens exceeds nPositions ${this.config.nPositions}`);
    const flat = new Int32Array(R * P);
    prompts.forEach((p, r) => flat.set(p, r * P));
    const lengths = prompts.map((p) => p.length);
    const out = tf.tidy(() => {
      const ids = tf.tensor2d(flat, [R, P], 'int32');
      const { hidden, keys, values } = this.transformer.forward(ids, { positions: this.positions(R, P) });
      // Only the last real token of each row needs logits: hidden [R, P, C] → [R, C].
      const last = tf.gather(tf.reshape(hidden, [R * P, this.config.nEmbd]), tf.tensor1d(lengths.map((n, r) => r * P + n - 1), 'int32'));
      return { logits: this.head(last) as tf.Tensor2D, keys, values };
    });
    const cache: KvCache = { keys: out.keys, values: out.values, lengths, promptLengths: [...lengths], promptWidth: P };
    return { logits: out.logits, cache };
  }

  /** Appends one token per row; returns logits [R, V] and the new cache. `cache` is consumed (disposed). */
  step(tokens: readonly number[], cache: KvCache): { logits: tf.Tensor2D; cache: KvCache } {
    const R = cache.lengths.length;
    if (tokens.length !== R) throw new Error(`step: ${tokens.length} tokens for ${R} cache rows`);
    const maxPos = Math.max(...cache.lengths);
    if (maxPos >= this.config.nPositions) throw new Error(`step: position ${maxPos} exceeds nPositions ${this.config.nPositions}`);
    const S = cache.keys[0].shape[2] + 1;
    // Slot s is visible to row r when it holds a real token: s < promptLength[r] or s ≥ promptWidth.
    const mask = new Float32Array(R * S);
    for (let r = 0; r < R; r++) for (let s = cache.promptLengths[r]; s < cache.promptWidth; s++) mask[r * S + s] = MASKED;
    const result = tf.tidy(() => {
      const ids = tf.tensor2d(Int32Array.from(tokens), [R, 1], 'int32');
      const positions = tf.tensor2d(Int32Array.from(cache.lengths), [R, 1], 'int32');
      const out = this.transformer.forward(ids, { positions, mask: tf.tensor4d(mask, [R, 1, 1, S]) }, cache);
      const logits = this.head(tf.reshape(out.hidden, [R, this.config.nEmbd])) as tf.Tensor2D;
      return { logits, keys: out.keys, values: out.values };
    });
    disposeCache(cache);
    return {
      logits: result.logits,
      cache: { ...cache, keys: result.keys, values: result.values, lengths: cache.lengths.map((n) => n + 1) },
    };
  }

  /** Rows of the cache in the order `rows` (repeats allowed), for beam reordering. `cache` is consumed. */
  reorderCache(cache: KvCache, rows: readonly number[]): KvCache {
    const next = tf.tidy(() => {
      const idx = tf.tensor1d(Int32Array.from(rows), 'int32');
      return { keys: cache.keys.map((k) => tf.gather(k, idx)), values: cache.values.map((v) => tf.gather(v, idx)) };
    });
    disposeCache(cache);
    return {
      keys: next.keys,
      values: next.values,
      lengths: rows.map((r) => cache.lengths[r]),
      promptLengths: rows.map((r) => cache.promptLengths[r]),
      promptWidth: cache.promptWidth,
    };
  }

  disposeCache(cache: KvCache): void {
    disposeCache(cache);
  }

  /** Position ids 0 … T−1 for every row: [B, T]. */
  private positions(B: number, T: number): tf.Tensor2D {
    if (T > this.config.nPositions) throw new Error(`GPT-2: sequence of ${T} tokens exceeds nPositions ${this.config.nPositions}`);
    return tf.tile(tf.reshape(tf.range(0, T, 1, 'int32'), [1, T]), [B, 1]) as tf.Tensor2D;
  }
}

function disposeCache(cache: KvCache): void {
  tf.dispose([...cache.keys, ...cache.values]);
}

/**
 * examples/NLG's `_init_weights`: every embedding and projection weight ~ N(0, 0.02), biases 0, LayerNorm 1/0.
 * LoRA A keeps loralib's Kaiming-uniform init and B stays 0, so the adapted model starts equal to the base.
 */
export function initGpt2Weights(model: Gpt2LMModel, std = 0.02): void {
  for (const [name, v] of model.namedParameters()) {
    if (name.includes('lora_')) continue;
    const isLayerNorm = /\.ln_(1|2|f)\./.test(name);
    const value = name.endsWith('.bias') ? tf.zeros(v.shape) : isLayerNorm ? tf.ones(v.shape) : normal(v.shape, std);
    v.assign(value);
    value.dispose();
  }
}
