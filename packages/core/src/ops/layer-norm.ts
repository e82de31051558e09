// layerNorm: y = gamma·(x − mean)/sqrt(var + eps) + beta over the last axis (biased variance), as PyTorch.
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS, runKernel, runKernelMulti, useFusedKernel } from './kernels.js';

/** Layer normalisation over the last axis of x [..., C] with gamma, beta [C] (LoratsLayerNorm when registered). */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon = 1e-5): tf.Tensor {
  const C = x.shape[x.rank - 1];
  if (gamma.size !== C || beta.size !== C) {
    throw new Error(`layerNorm: gamma [${gamma.shape}] and beta [${beta.shape}] must have ${C} elements (last dim of x [${x.shape}])`);
  }
  if (useFusedKernel(FUSED_KERNELS.layerNorm, FUSED_KERNELS.layerNormGrad)) {
    const attrs = { epsilon };
    const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [xi, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      save([xi, g]);
      return {
        value: runKernel(FUSED_KERNELS.layerNorm, { x: xi, gamma: g, beta: b }, attrs),
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
          runKernelMulti(FUSED_KERNELS.layerNormGrad, { dy: dy as tf.Tensor, x: saved[0], gamma: saved[1] }, attrs),
      };
    });
    return tf.tidy(() => f(x, tf.reshape(gamma, [C]), tf.reshape(beta, [C])));
  }
  return tf.tidy(() => {
    const mean = tf.mean(x, -1, true);
    const centred = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centred), -1, true);
    const normed = tf.mul(centred, tf.rsqrt(tf.add(variance, epsilon)));
    return tf.add(tf.mul(normed, tf.reshape(gamma, [C])), tf.reshape(beta, [C]));
  });
}
