// RoBERTa (Liu et al. 2019, arXiv:1907.11692): a post-LayerNorm BERT encoder with RoBERTa's position ids, and the
// sequence-classification head the LoRA paper fine-tunes on GLUE (Hu et al. 2021, arXiv:2106.09685, §5.1).
// Module and parameter names follow HF transformers' RobertaForSequenceClassification, so a checkpoint's state
// dict loads by name.
//
// Shapes: B batch, T tokens, C width (hiddenSize), H heads, D = C / H head size, F intermediate size, L labels.

import * as tf from '@tensorflow/tfjs-core';
import { Dropout, Embedding, LayerNorm, Linear, Module, ModuleList, attention, gelu, sequenceClassificationLoss } from '@lorats/core';
import type { RobertaConfig } from './config.js';

/** Token ids and masks of a padded batch (int32 [B, T]); the mask is 1 for tokens and 0 for padding. */
export interface EncoderInputs {
  inputIds: tf.Tensor;
  attentionMask?: tf.Tensor;
  tokenTypeIds?: tf.Tensor;
}

/** The most negative float32, which HF adds to the scores of masked keys. */
const MASKED = -3.4028234663852886e38;

/** Additive attention mask [B, 1, 1, T]: 0 for tokens, the float32 minimum for padding. */
export function additiveMask(attentionMask: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [B, T] = attentionMask.shape;
    const m = tf.cast(attentionMask, 'float32');
    return tf.reshape(tf.mul(tf.sub(1, m), MASKED), [B, 1, 1, T]);
  });
}

/** The activation `hidden_act` names. */
export function activation(x: tf.Tensor, name: RobertaConfig['hiddenAct']): tf.Tensor {
  if (name === 'relu') return tf.relu(x);
  return gelu(x, name === 'gelu' ? 'none' : 'tanh');
}

/** RoBERTa's position ids: padding tokens get padTokenId, tokens count on from padTokenId + 1. */
export function positionIds(inputIds: tf.Tensor, padTokenId: number): tf.Tensor {
  return tf.tidy(() => {
    const isToken = tf.cast(tf.notEqual(inputIds, padTokenId), 'int32'); // [B, T]
    return tf.add(tf.mul(tf.cumsum(isToken, 1), isToken), padTokenId);
  });
}

export class RobertaEmbeddings extends Module {
  readonly wordEmbeddings: Embedding;
  readonly positionEmbeddings: Embedding;
  readonly tokenTypeEmbeddings: Embedding;
  readonly layerNorm: LayerNorm;
  readonly dropout: Dropout;

  constructor(readonly config: RobertaConfig) {
    super();
    const { vocabSize, hiddenSize: C, padTokenId } = config;
    this.wordEmbeddings = this.registerModule('word_embeddings', new Embedding(vocabSize, C, { paddingIdx: padTokenId }));
    this.positionEmbeddings = this.registerModule(
      'position_embeddings',
      new Embedding(config.maxPositionEmbeddings, C, { paddingIdx: padTokenId }),
    );
    this.tokenTypeEmbeddings = this.registerModule('token_type_embeddings', new Embedding(config.typeVocabSize, C));
    this.layerNorm = this.registerModule('LayerNorm', new LayerNorm(C, { epsilon: config.layerNormEps }));
    this.dropout = this.registerModule('dropout', new Dropout(config.hiddenDropoutProb));
  }

  /** ids [B, T] → [B, T, C]. */
  forward(inputIds: tf.Tensor, tokenTypeIds?: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const positions = positionIds(inputIds, this.config.padTokenId);
      const types = tokenTypeIds ?? tf.zerosLike(inputIds);
      const x = tf.addN([
        this.wordEmbeddings.forward(inputIds),
        this.tokenTypeEmbeddings.forward(types),
        this.positionEmbeddings.forward(positions),
      ]); // [B, T, C]
      return this.dropout.forward(this.layerNorm.forward(x));
    });
  }
}

export class RobertaSelfAttention extends Module {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;

  constructor(readonly config: RobertaConfig) {
    super();
    const C = config.hiddenSize;
    this.query = this.registerModule('query', new Linear(C, C));
    this.key = this.registerModule('key', new Linear(C, C));
    this.value = this.registerModule('value', new Linear(C, C));
  }

  /** x [B, T, C], additive mask [B, 1, 1, T] → [B, T, C]. */
  forward(x: tf.Tensor, mask: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [B, T, C] = x.shape;
      const H = this.config.numAttentionHeads;
      const D = C / H;
      const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, T, H, D]), [0, 2, 1, 3]); // [B, T, C] -> [B, H, T, D]
      const y = attention(heads(this.query.forward(x)), heads(this.key.forward(x)), heads(this.value.forward(x)), {
        mask,
        scale: 1 / Math.sqrt(D),
        dropout: this.training ? this.config.attentionProbsDropoutProb : 0,
      }); // [B, H, T, D]
      return tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B, T, C]);
    });
  }
}

/** dense → dropout → LayerNorm(· + residual): BERT's post-LN sublayer output. */
export class RobertaSublayerOutput extends Module {
  readonly dense: Linear;
  readonly layerNorm: LayerNorm;
  readonly dropout: Dropout;

  constructor(config: RobertaConfig, inFeatures: number) {
    super();
    this.dense = this.registerModule('dense', new Linear(inFeatures, config.hiddenSize));
    this.layerNorm = this.registerModule('LayerNorm', new LayerNorm(config.hiddenSize, { epsilon: config.layerNormEps }));
    this.dropout = this.registerModule('dropout', new Dropout(config.hiddenDropoutProb));
  }

  /** h [B, T, inFeatures], residual [B, T, C] → [B, T, C]. */
  forward(h: tf.Tensor, residual: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.layerNorm.forward(tf.add(this.dropout.forward(this.dense.forward(h)), residual)));
  }
}

export class RobertaAttention extends Module {
  readonly self: RobertaSelfAttention;
  readonly output: RobertaSublayerOutput;

  constructor(config: RobertaConfig) {
    super();
    this.self = this.registerModule('self', new RobertaSelfAttention(config));
    this.output = this.registerModule('output', new RobertaSublayerOutput(config, config.hiddenSize));
  }

  forward(x: tf.Tensor, mask: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.output.forward(this.self.forward(x, mask), x));
  }
}

export class RobertaIntermediate extends Module {
  readonly dense: Linear;

  constructor(readonly config: RobertaConfig) {
    super();
    this.dense = this.registerModule('dense', new Linear(config.hiddenSize, config.intermediateSize));
  }

  /** [B, T, C] → [B, T, F]. */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => activation(this.dense.forward(x), this.config.hiddenAct));
  }
}

export class RobertaLayer extends Module {
  readonly attention: RobertaAttention;
  readonly intermediate: RobertaIntermediate;
  readonly output: RobertaSublayerOutput;

  constructor(config: RobertaConfig) {
    super();
    this.attention = this.registerModule('attention', new RobertaAttention(config));
    this.intermediate = this.registerModule('intermediate', new RobertaIntermediate(config));
    this.output = this.registerModule('output', new RobertaSublayerOutput(config, config.intermediateSize));
  }

  /** [B, T, C] → [B, T, C]. */
  forward(x: tf.Tensor, mask: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const a = this.attention.forward(x, mask);
      return this.output.forward(this.intermediate.forward(a), a);
    });
  }
}

export class RobertaEncoder extends Module {
  readonly layer: ModuleList<RobertaLayer>;

  constructor(config: RobertaConfig) {
    super();
    this.layer = this.registerModule(
      'layer',
      new ModuleList(Array.from({ length: config.numHiddenLayers }, () => new RobertaLayer(config))),
    );
  }

  forward(x: tf.Tensor, mask: tf.Tensor): tf.Tensor {
    return tf.tidy(() => [...this.layer].reduce((h, layer) => layer.forward(h, mask), x));
  }
}

/** The bare encoder (HF RobertaModel without its pooler): ids → hidden states [B, T, C]. */
export class RobertaModel extends Module {
  readonly embeddings: RobertaEmbeddings;
  readonly encoder: RobertaEncoder;

  constructor(readonly config: RobertaConfig) {
    super();
    this.embeddings = this.registerModule('embeddings', new RobertaEmbeddings(config));
    this.encoder = this.registerModule('encoder', new RobertaEncoder(config));
  }

  /** Hidden states [B, T, C] (the caller owns them). */
  forward(inputs: EncoderInputs): tf.Tensor {
    return tf.tidy(() => {
      const mask = additiveMask(inputs.attentionMask ?? tf.onesLike(inputs.inputIds));
      return this.encoder.forward(this.embeddings.forward(inputs.inputIds, inputs.tokenTypeIds), mask);
    });
  }
}

/** `<s>` token → dropout → dense → tanh → dropout → out_proj (HF RobertaClassificationHead). */
export class RobertaClassificationHead extends Module {
  readonly dense: Linear;
  readonly dropout: Dropout;
  readonly outProj: Linear;

  constructor(config: RobertaConfig, numLabels: number) {
    super();
    const C = config.hiddenSize;
    this.dense = this.registerModule('dense', new Linear(C, C));
    this.dropout = this.registerModule('dropout', new Dropout(config.classifierDropout ?? config.hiddenDropoutProb));
    this.outProj = this.registerModule('out_proj', new Linear(C, numLabels));
  }

  /** Hidden states [B, T, C] → logits [B, L]. */
  forward(hidden: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [B, , C] = hidden.shape;
      const first = tf.reshape(tf.slice(hidden, [0, 0, 0], [B, 1, C]), [B, C]); // [B, C]
      const h = tf.tanh(this.dense.forward(this.dropout.forward(first)));
      return this.outProj.forward(this.dropout.forward(h));
    });
  }
}

/** RoBERTa with a classification (numLabels > 1) or regression (numLabels = 1, STS-B) head. */
export class RobertaForSequenceClassification extends Module {
  readonly roberta: RobertaModel;
  readonly classifier: RobertaClassificationHead;

  constructor(
    readonly config: RobertaConfig,
    readonly numLabels: number,
  ) {
    super();
    if (!Number.isInteger(numLabels) || numLabels < 1) throw new Error(`RobertaForSequenceClassification: numLabels must be ≥ 1, got ${numLabels}`);
    this.roberta = this.registerModule('roberta', new RobertaModel(config));
    this.classifier = this.registerModule('classifier', new RobertaClassificationHead(config, numLabels));
  }

  /** Logits [B, L] (the caller owns them). */
  forward(inputs: EncoderInputs): tf.Tensor {
    return tf.tidy(() => this.classifier.forward(this.roberta.forward(inputs)));
  }

  /** The mean loss HF computes: MSE for regression, else cross-entropy over rows whose label is ≥ 0. */
  loss(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
    return sequenceClassificationLoss(logits, labels);
  }
}
