// gelu: x·Φ(x) ('none', exact erf) or the tanh approximation GPT-2 uses ('tanh').
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS, releaseAfterGrad, runKernel, useFusedKernel } from './kernels.js';

/** Which GELU formula to use: 'none' is exact (erf), 'tanh' is 0.5x(1+tanh(√(2/π)(x+0.044715x³))). */
export type GeluApproximate = 'none' | 'tanh';

/** GELU activation (LoratsGelu when registered). */
export function gelu(x: tf.Tensor, approximate: GeluApproximate = 'none'): tf.Tensor {
  if (approximate !== 'none' && approximate !== 'tanh') throw new Error(`gelu: unknown approximate "${String(approximate)}" (expected 'none' | 'tanh')`);
  if (useFusedKernel(FUSED_KERNELS.gelu, FUSED_KERNELS.geluGrad)) {
    const attrs = { approximate };
    const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [xi, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([xi]);
      const value = runKernel(FUSED_KERNELS.gelu, { x: xi }, attrs);
      return {
        value,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const dx = runKernel(FUSED_KERNELS.geluGrad, { dy: dy as tf.Tensor, x: saved[0] }, attrs);
          releaseAfterGrad(dy, saved, value.id);
          return dx;
        },
      };
    });
    return tf.tidy(() => f(x));
  }
  return tf.tidy(() => {
    if (approximate === 'tanh') {
      const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
      return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
    }
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
  });
}
