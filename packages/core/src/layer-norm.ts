// LayerNorm: torch.nn.LayerNorm (keys `weight` = gamma, `bias` = beta) over the trailing normalizedShape dims.
import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { reshapeTo } from './ops/kernels.js';
import { layerNorm } from './ops/layer-norm.js';

/** Options for `LayerNorm`. */
export interface LayerNormOptions {
  /** Added to the variance (default 1e-5). */
  epsilon?: number;
  /** Learnable gamma and beta (default true). */
  elementwiseAffine?: boolean;
}

/** torch.nn.LayerNorm, computed with the fused `layerNorm` op. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly epsilon: number;
  readonly weight: tf.Variable | null;
  readonly bias: tf.Variable | null;

  constructor(normalizedShape: number | number[], options: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape.slice();
    this.epsilon = options.epsilon ?? 1e-5;
    const affine = options.elementwiseAffine ?? true;
    this.weight = affine ? this.registerParameter('weight', tf.ones(this.normalizedShape)) : null;
    this.bias = affine ? this.registerParameter('bias', tf.zeros(this.normalizedShape)) : null;
  }

  /** x [..., *normalizedShape] → same shape. */
  forward(x: tf.Tensor): tf.Tensor {
    const k = this.normalizedShape.length;
    const tail = x.shape.slice(-k);
    if (tail.length !== k || tail.some((d, i) => d !== this.normalizedShape[i])) {
      throw new Error(`LayerNorm: input [${x.shape}] does not end with normalizedShape [${this.normalizedShape}]`);
    }
    return tf.tidy(() => {
      const C = this.normalizedShape.reduce((a, b) => a * b, 1);
      // (reshapes only where normalizedShape has several dims: each is a kernel call and a saved tensor)
      const flat = reshapeTo(x, [...x.shape.slice(0, x.rank - k), C]); // [..., C]
      const gamma = this.weight == null ? tf.ones([C]) : reshapeTo(this.weight, [C]);
      const beta = this.bias == null ? tf.zeros([C]) : reshapeTo(this.bias, [C]);
      return reshapeTo(layerNorm(flat, gamma, beta, this.epsilon), x.shape);
    });
  }

  protected override extraRepr(): string {
    return `[${this.normalizedShape}], eps=${this.epsilon}`;
  }
}
