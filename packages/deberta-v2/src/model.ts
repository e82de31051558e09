// DeBERTa-v2 (He et al. 2021, arXiv:2006.03654): disentangled attention, where each score adds content→position
// (c2p) and position→content (p2c) terms over log-bucketed relative distances, plus the ContextPooler classifier
// the LoRA paper fine-tunes on GLUE (Hu et al. 2021, §5.2). Module and parameter names follow HF transformers'
// DebertaV2ForSequenceClassification, so a checkpoint's state dict loads by name.
//
// Shapes: B batch, T tokens, C width, H heads, D head size, F intermediate size, R = 2·span relative-embedding rows,
// L labels.

import * as tf from '@tensorflow/tfjs-core';
import { Dropout, Embedding, LayerNorm, Linear, Module, ModuleList, attention, gelu, sequenceClassificationLoss } from '@lorats/core';
import type { DebertaActivation, DebertaV2Config } from './config.js';

/** Token ids and masks of a padded batch (int32 [B, T]); the mask is 1 for tokens and 0 for padding. */
export interface EncoderInputs {
  inputIds: tf.Tensor;
  attentionMask?: tf.Tensor;
  tokenTypeIds?: tf.Tensor;
}

const MASKED = -3.4028234663852886e38;

export function activation(x: tf.Tensor, name: DebertaActivation): tf.Tensor {
  if (name === 'relu') return tf.relu(x);
  if (name === 'tanh') return tf.tanh(x);
  return gelu(x, name === 'gelu' ? 'none' : 'tanh');
}

/**
 * HF's make_log_bucket_position for one distance, in float32 as torch computes it: distances within ±bucketSize/2
 * stay, longer ones map logarithmically onto the remaining buckets up to maxPosition.
 */
export function logBucketPosition(relative: number, bucketSize: number, maxPosition: number): number {
  const f = Math.fround;
  const mid = Math.floor(bucketSize / 2);
  const sign = Math.sign(relative);
  const absPos = relative < mid && relative > -mid ? mid - 1 : Math.abs(relative);
  if (absPos <= mid) return relative;
  const ratio = f(f(Math.log(f(absPos / mid))) / f(Math.log(f((maxPosition - 1) / mid))));
  return (Math.ceil(f(ratio * (mid - 1))) + mid) * sign;
}

/** The relative position of query i to key j (i − j, bucketed when configured), as HF build_relative_position. */
export function relativePosition(i: number, j: number, bucketSize: number, maxPosition: number): number {
  return bucketSize > 0 && maxPosition > 0 ? logBucketPosition(i - j, bucketSize, maxPosition) : i - j;
}

/** span = the relative embedding half-size: positionBuckets, else maxRelativePositions (else maxPositionEmbeddings). */
export function attentionSpan(config: DebertaV2Config): { span: number; maxRelative: number } {
  const maxRelative = config.maxRelativePositions < 1 ? config.maxPositionEmbeddings : config.maxRelativePositions;
  return { span: config.positionBuckets > 0 ? config.positionBuckets : maxRelative, maxRelative };
}

/**
 * Relative-embedding rows for the 2T − 1 query−key distances d = i − j, as the row index clamp(rel(d) + span) into
 * the [R, C] table. c2p lists d from T − 1 down to 1 − T and p2c from 1 − T up to T − 1, so that `relativeShift`
 * turns [.., T, 2T − 1] scores into [.., T, T] (c2p[i, j] and p2c[j, i]) without a gather.
 */
export function relativeRows(T: number, config: DebertaV2Config): { c2p: Int32Array; p2c: Int32Array } {
  const { span, maxRelative } = attentionSpan(config);
  const R = 2 * span;
  const row = (d: number) => Math.min(Math.max(relativePosition(d, 0, config.positionBuckets, maxRelative) + span, 0), R - 1);
  const c2p = new Int32Array(2 * T - 1);
  const p2c = new Int32Array(2 * T - 1);
  for (let m = 0; m < 2 * T - 1; m++) {
    c2p[m] = row(T - 1 - m);
    p2c[m] = row(m - (T - 1));
  }
  return { c2p, p2c };
}

/** z [B, H, T, 2T − 1] → y [B, H, T, T] with y[r, c] = z[r, c + T − 1 − r] (Transformer-XL's shift, by reshapes). */
export function relativeShift(z: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [B, H, T] = z.shape;
    if (T === 1) return z.clone();
    const L = 2 * T - 1;
    const flat = tf.slice(tf.reshape(z, [B, H, T * L]), [0, 0, T - 1], [B, H, T * (L - 1)]); // row r now starts at its column T − 1 − r
    return tf.slice(tf.reshape(flat, [B, H, T, L - 1]), [0, 0, 0, 0], [B, H, T, T]);
  });
}

export class DebertaV2Embeddings extends Module {
  readonly wordEmbeddings: Embedding;
  readonly positionEmbeddings: Embedding | null;
  readonly tokenTypeEmbeddings: Embedding | null;
  readonly embedProj: Linear | null;
  readonly layerNorm: LayerNorm;
  readonly dropout: Dropout;

  constructor(readonly config: DebertaV2Config) {
    super();
    const E = config.embeddingSize;
    this.wordEmbeddings = this.registerModule('word_embeddings', new Embedding(config.vocabSize, E, { paddingIdx: config.padTokenId }));
    this.positionEmbeddings = config.positionBiasedInput
      ? this.registerModule('position_embeddings', new Embedding(config.maxPositionEmbeddings, E))
      : null;
    this.tokenTypeEmbeddings = config.typeVocabSize > 0 ? this.registerModule('token_type_embeddings', new Embedding(config.typeVocabSize, E)) : null;
    this.embedProj = E !== config.hiddenSize ? this.registerModule('embed_proj', new Linear(E, config.hiddenSize, { bias: false })) : null;
    this.layerNorm = this.registerModule('LayerNorm', new LayerNorm(config.hiddenSize, { epsilon: config.layerNormEps }));
    this.dropout = this.registerModule('dropout', new Dropout(config.hiddenDropoutProb));
  }

  /** ids [B, T], mask [B, T] → [B, T, C], zero at padding. */
  forward(inputIds: tf.Tensor, mask: tf.Tensor, tokenTypeIds?: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [B, T] = inputIds.shape;
      let x = this.wordEmbeddings.forward(inputIds); // [B, T, E]
      if (this.positionEmbeddings) x = tf.add(x, this.positionEmbeddings.forward(tf.range(0, T, 1, 'int32')));
      if (this.tokenTypeEmbeddings) x = tf.add(x, this.tokenTypeEmbeddings.forward(tokenTypeIds ?? tf.zerosLike(inputIds)));
      if (this.embedProj) x = this.embedProj.forward(x); // [B, T, C]
      x = tf.mul(this.layerNorm.forward(x), tf.reshape(tf.cast(mask, 'float32'), [B, T, 1]));
      return this.dropout.forward(x);
    });
  }
}

/** One-hot selectors [2T − 1, R] of the relative-embedding rows for c2p and p2c (see `relativeRows`). */
export interface RelativeRows {
  c2p: tf.Tensor;
  p2c: tf.Tensor;
}

export class DisentangledSelfAttention extends Module {
  readonly queryProj: Linear;
  readonly keyProj: Linear;
  readonly valueProj: Linear;
  readonly posKeyProj: Linear | null = null;
  readonly posQueryProj: Linear | null = null;
  /** Dropout on the relative embeddings, drawn anew in every layer. */
  readonly posDropout: Dropout;

  constructor(readonly config: DebertaV2Config) {
    super();
    const C = config.hiddenSize;
    const HD = config.numAttentionHeads * config.attentionHeadSize;
    this.queryProj = this.registerModule('query_proj', new Linear(C, HD));
    this.keyProj = this.registerModule('key_proj', new Linear(C, HD));
    this.valueProj = this.registerModule('value_proj', new Linear(C, HD));
    if (config.relativeAttention && !config.shareAttKey) {
      if (config.posAttType.includes('c2p')) this.posKeyProj = this.registerModule('pos_key_proj', new Linear(C, HD));
      if (config.posAttType.includes('p2c')) this.posQueryProj = this.registerModule('pos_query_proj', new Linear(C, HD));
    }
    this.posDropout = this.registerModule('pos_dropout', new Dropout(config.hiddenDropoutProb));
  }

  /** x [B, T, C], key mask [B, 1, 1, T], relative embeddings [R, C], one-hot row selectors [2T − 1, R] → [B, T, H·D]. */
  forward(x: tf.Tensor, mask: tf.Tensor, relEmbeddings: tf.Tensor | null, rows: RelativeRows | null): tf.Tensor {
    return tf.tidy(() => {
      const [B, T] = x.shape;
      const { numAttentionHeads: H, attentionHeadSize: D, posAttType } = this.config;
      const heads = (t: tf.Tensor, n: number) => tf.transpose(tf.reshape(t, [n, -1, H, D]), [0, 2, 1, 3]); // [n, L, H·D] -> [n, H, L, D]
      const q = heads(this.queryProj.forward(x), B);
      const k = heads(this.keyProj.forward(x), B);
      const v = heads(this.valueProj.forward(x), B);
      const scale = 1 / Math.sqrt(D * (1 + posAttType.length));
      let bias = mask; // [B, 1, 1, T], then [B, H, T, T] once relative terms are added
      if (relEmbeddings && rows) {
        const rel = this.posDropout.forward(relEmbeddings); // [R, C], dropped anew in every layer
        // Rows of the (projected) table for each distance; projecting the selected rows equals selecting projected rows.
        const pick = (onehot: tf.Tensor, proj: Linear) =>
          tf.broadcastTo(heads(tf.expandDims(proj.forward(tf.matMul(onehot, rel)), 0), 1), [B, H, 2 * T - 1, D]); // [B, H, 2T−1, D]
        if (posAttType.includes('c2p')) {
          const posKey = pick(rows.c2p, this.posKeyProj ?? this.keyProj);
          const c2p = relativeShift(tf.matMul(q, posKey, false, true)); // q·posKeyᵀ [B, H, T, 2T−1] -> [B, H, T, T]
          bias = tf.add(bias, tf.mul(c2p, scale));
        }
        if (posAttType.includes('p2c')) {
          const posQuery = pick(rows.p2c, this.posQueryProj ?? this.queryProj);
          const p2c = relativeShift(tf.matMul(k, posQuery, false, true)); // k·posQueryᵀ -> [B, H, T(key), T(query)]
          bias = tf.add(bias, tf.mul(tf.transpose(p2c, [0, 1, 3, 2]), scale));
        }
      }
      // the relative terms in the bias depend on trainable weights: their gradient must flow through the mask
      const maskGrad = bias !== mask;
      const y = attention(q, k, v, { mask: bias, maskGrad, scale, dropout: this.training ? this.config.attentionProbsDropoutProb : 0 }); // [B, H, T, D]
      return tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B, T, H * D]);
    });
  }
}

/** dense → dropout → LayerNorm(· + residual). */
export class DebertaV2SublayerOutput extends Module {
  readonly dense: Linear;
  readonly layerNorm: LayerNorm;
  readonly dropout: Dropout;

  constructor(config: DebertaV2Config, inFeatures: number) {
    super();
    this.dense = this.registerModule('dense', new Linear(inFeatures, config.hiddenSize));
    this.layerNorm = this.registerModule('LayerNorm', new LayerNorm(config.hiddenSize, { epsilon: config.layerNormEps }));
    this.dropout = this.registerModule('dropout', new Dropout(config.hiddenDropoutProb));
  }

  forward(h: tf.Tensor, residual: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.layerNorm.forward(tf.add(this.dropout.forward(this.dense.forward(h)), residual)));
  }
}

export class DebertaV2Attention extends Module {
  readonly self: DisentangledSelfAttention;
  readonly output: DebertaV2SublayerOutput;

  constructor(config: DebertaV2Config) {
    super();
    this.self = this.registerModule('self', new DisentangledSelfAttention(config));
    this.output = this.registerModule('output', new DebertaV2SublayerOutput(config, config.numAttentionHeads * config.attentionHeadSize));
  }
}

export class DebertaV2Intermediate extends Module {
  readonly dense: Linear;

  constructor(readonly config: DebertaV2Config) {
    super();
    this.dense = this.registerModule('dense', new Linear(config.hiddenSize, config.intermediateSize));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => activation(this.dense.forward(x), this.config.hiddenAct));
  }
}

export class DebertaV2Layer extends Module {
  readonly attention: DebertaV2Attention;
  readonly intermediate: DebertaV2Intermediate;
  readonly output: DebertaV2SublayerOutput;

  constructor(config: DebertaV2Config) {
    super();
    this.attention = this.registerModule('attention', new DebertaV2Attention(config));
    this.intermediate = this.registerModule('intermediate', new DebertaV2Intermediate(config));
    this.output = this.registerModule('output', new DebertaV2SublayerOutput(config, config.intermediateSize));
  }

  /** [B, T, C] → [B, T, C]. */
  forward(x: tf.Tensor, mask: tf.Tensor, relEmbeddings: tf.Tensor | null, rows: RelativeRows | null): tf.Tensor {
    return tf.tidy(() => {
      const a = this.attention.output.forward(this.attention.self.forward(x, mask, relEmbeddings, rows), x);
      return this.output.forward(this.intermediate.forward(a), a);
    });
  }
}

/** torch.nn.Conv1d over the sequence (weight [C_out, C_in / groups, k], padding (k − 1) / 2). */
export class Conv1d extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(
    readonly channels: number,
    readonly kernelSize: number,
    readonly groups: number,
  ) {
    super();
    const bound = 1 / Math.sqrt((channels / groups) * kernelSize);
    this.weight = this.registerParameter('weight', tf.randomUniform([channels, channels / groups, kernelSize], -bound, bound));
    this.bias = this.registerParameter('bias', tf.randomUniform([channels], -bound, bound));
  }

  /** [B, T, C] → [B, T, C]. */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const pad = (this.kernelSize - 1) / 2;
      const padded = tf.pad(x, [
        [0, 0],
        [pad, pad],
        [0, 0],
      ]) as tf.Tensor3D;
      const G = this.groups;
      const per = this.channels / G;
      const filter = tf.transpose(this.weight, [2, 1, 0]); // [C_out, C_in/G, k] -> [k, C_in/G, C_out]
      const outs = Array.from({ length: G }, (_, g) => {
        const xg = G === 1 ? padded : (tf.slice(padded, [0, 0, g * per], [-1, -1, per]) as tf.Tensor3D);
        const fg = G === 1 ? filter : tf.slice(filter, [0, 0, g * per], [-1, -1, per]);
        return tf.conv1d(xg, fg as tf.Tensor3D, 1, 'valid');
      });
      return tf.add(G === 1 ? outs[0] : tf.concat(outs, 2), this.bias);
    });
  }
}

/** The convolution DeBERTa-v2 adds to the first layer's output (HF ConvLayer). */
export class ConvLayer extends Module {
  readonly conv: Conv1d;
  readonly layerNorm: LayerNorm;
  readonly dropout: Dropout;

  constructor(readonly config: DebertaV2Config) {
    super();
    this.conv = this.registerModule('conv', new Conv1d(config.hiddenSize, config.convKernelSize, config.convGroups));
    this.layerNorm = this.registerModule('LayerNorm', new LayerNorm(config.hiddenSize, { epsilon: config.layerNormEps }));
    this.dropout = this.registerModule('dropout', new Dropout(config.hiddenDropoutProb));
  }

  /** embeddings and layer-0 output [B, T, C], mask [B, T, 1] → [B, T, C], zero at padding. */
  forward(embeddings: tf.Tensor, residual: tf.Tensor, mask: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const out = tf.mul(this.conv.forward(embeddings), mask);
      const y = activation(this.dropout.forward(out), this.config.convAct);
      return tf.mul(this.layerNorm.forward(tf.add(residual, y)), mask);
    });
  }
}

export class DebertaV2Encoder extends Module {
  readonly layer: ModuleList<DebertaV2Layer>;
  readonly relEmbeddings: Embedding | null;
  readonly layerNorm: LayerNorm | null;
  readonly conv: ConvLayer | null;
  private readonly rowCache = new Map<number, { c2p: Int32Array; p2c: Int32Array }>();

  constructor(readonly config: DebertaV2Config) {
    super();
    this.layer = this.registerModule('layer', new ModuleList(Array.from({ length: config.numHiddenLayers }, () => new DebertaV2Layer(config))));
    const { span } = attentionSpan(config);
    this.relEmbeddings = config.relativeAttention ? this.registerModule('rel_embeddings', new Embedding(2 * span, config.hiddenSize)) : null;
    this.layerNorm = config.normRelEmbedding
      ? this.registerModule('LayerNorm', new LayerNorm(config.hiddenSize, { epsilon: config.layerNormEps }))
      : null;
    this.conv = config.convKernelSize > 0 ? this.registerModule('conv', new ConvLayer(config)) : null;
  }

  private rows(T: number): { c2p: Int32Array; p2c: Int32Array } {
    let r = this.rowCache.get(T);
    if (!r) {
      r = relativeRows(T, this.config);
      this.rowCache.set(T, r);
    }
    return r;
  }

  /** Embeddings [B, T, C], attention mask [B, T] → hidden states [B, T, C]. */
  forward(embeddings: tf.Tensor, attentionMask: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [B, T] = attentionMask.shape;
      const m = tf.cast(attentionMask, 'float32');
      const keyMask = tf.reshape(tf.mul(tf.sub(1, m), MASKED), [B, 1, 1, T]);
      let rel: tf.Tensor | null = null;
      let rows: RelativeRows | null = null;
      if (this.relEmbeddings) {
        rel = this.relEmbeddings.weight; // [R, C]
        if (this.layerNorm) rel = this.layerNorm.forward(rel);
        const R = rel.shape[0];
        const r = this.rows(T);
        rows = { c2p: tf.oneHot(tf.tensor1d(r.c2p, 'int32'), R), p2c: tf.oneHot(tf.tensor1d(r.p2c, 'int32'), R) }; // [2T−1, R]
      }
      let h = embeddings;
      [...this.layer].forEach((layer, i) => {
        h = layer.forward(h, keyMask, rel, rows);
        if (i === 0 && this.conv) h = this.conv.forward(embeddings, h, tf.reshape(m, [B, T, 1]));
      });
      return h;
    });
  }
}

/** The bare encoder (HF DebertaV2Model): ids → hidden states [B, T, C]. */
export class DebertaV2Model extends Module {
  readonly embeddings: DebertaV2Embeddings;
  readonly encoder: DebertaV2Encoder;

  constructor(readonly config: DebertaV2Config) {
    super();
    this.embeddings = this.registerModule('embeddings', new DebertaV2Embeddings(config));
    this.encoder = this.registerModule('encoder', new DebertaV2Encoder(config));
  }

  /** Hidden states [B, T, C] (the caller owns them). */
  forward(inputs: EncoderInputs): tf.Tensor {
    return tf.tidy(() => {
      const mask = inputs.attentionMask ?? tf.onesLike(inputs.inputIds);
      return this.encoder.forward(this.embeddings.forward(inputs.inputIds, mask, inputs.tokenTypeIds), mask);
    });
  }
}

/** Token 0 → dropout → dense → activation (HF ContextPooler). */
export class ContextPooler extends Module {
  readonly dense: Linear;
  readonly dropout: Dropout;

  constructor(readonly config: DebertaV2Config) {
    super();
    this.dense = this.registerModule('dense', new Linear(config.poolerHiddenSize, config.poolerHiddenSize));
    this.dropout = this.registerModule('dropout', new Dropout(config.poolerDropout));
  }

  /** [B, T, C] → [B, C]. */
  forward(hidden: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [B, , C] = hidden.shape;
      const first = tf.reshape(tf.slice(hidden, [0, 0, 0], [B, 1, C]), [B, C]);
      return activation(this.dense.forward(this.dropout.forward(first)), this.config.poolerHiddenAct);
    });
  }
}

/** DeBERTa-v2 with ContextPooler and a linear classifier (numLabels > 1) or regressor (numLabels = 1). */
export class DebertaV2ForSequenceClassification extends Module {
  readonly deberta: DebertaV2Model;
  readonly pooler: ContextPooler;
  readonly classifier: Linear;
  readonly dropout: Dropout;

  constructor(
    readonly config: DebertaV2Config,
    readonly numLabels: number,
  ) {
    super();
    if (!Number.isInteger(numLabels) || numLabels < 1) throw new Error(`DebertaV2ForSequenceClassification: numLabels must be ≥ 1, got ${numLabels}`);
    this.deberta = this.registerModule('deberta', new DebertaV2Model(config));
    this.pooler = this.registerModule('pooler', new ContextPooler(config));
    this.classifier = this.registerModule('classifier', new Linear(config.poolerHiddenSize, numLabels));
    this.dropout = this.registerModule('dropout', new Dropout(config.clsDropout ?? config.hiddenDropoutProb));
  }

  /** Logits [B, L] (the caller owns them). */
  forward(inputs: EncoderInputs): tf.Tensor {
    return tf.tidy(() => this.classifier.forward(this.dropout.forward(this.pooler.forward(this.deberta.forward(inputs)))));
  }

  /** MSE for regression, else mean cross-entropy over rows whose label is ≥ 0 (HF's loss for this model). */
  loss(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
    return sequenceClassificationLoss(logits, labels);
  }
}
