// Hugging Face's `_init_weights` for BERT-style encoders (RoBERTa, DeBERTa-v2): how a model is initialised before
// a checkpoint fills it, and what a head the checkpoint lacks starts from.
import * as tf from '@tensorflow/tfjs-core';
import { Embedding } from './embedding.js';
import { normal } from './init.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import type { Module } from './module.js';

function replace(v: tf.Variable, value: tf.Tensor): void {
  v.assign(value);
  value.dispose();
}

/**
 * HF's `_init_weights` over every module of `model`: Linear and Embedding weights ~ N(0, std) (the padding row zero),
 * Linear biases 0, LayerNorm weight 1 and bias 0. LoRA factors keep their own init.
 */
export function initWeights(model: Module, std = 0.02): void {
  for (const [, m] of model.namedModules()) {
    if (m instanceof Linear) {
      replace(m.weight, normal(m.weight.shape, std));
      if (m.bias) replace(m.bias, tf.zeros(m.bias.shape));
    } else if (m instanceof Embedding) {
      const w = normal(m.weight.shape, std);
      const pad = m.paddingIdx;
      replace(m.weight, pad === null ? w : tf.tidy(() => tf.concat([tf.slice(w, 0, pad), tf.zeros([1, m.embeddingDim]), tf.slice(w, pad + 1)], 0)));
      if (pad !== null) w.dispose();
    } else if (m instanceof LayerNorm) {
      if (m.weight) replace(m.weight, tf.ones(m.weight.shape));
      if (m.bias) replace(m.bias, tf.zeros(m.bias.shape));
    }
  }
}
