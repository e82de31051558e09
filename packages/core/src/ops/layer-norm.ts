// layerNorm: y = gamma·(x − mean)/sqrt(var + eps) + beta over the last axis (biased variance), as PyTorch.
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS, frozenRef, releaseAfterGrad, reshapeTo, runKernel, runKernelMulti, useFusedKernel } from './kernels.js';
import { isFrozen } from './linear.js';

/** Layer normalisation over the last axis of x [..., C] with gamma, beta [C] (LoratsLayerNorm when registered). */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon = 1e-5): tf.Tensor {
  const C = x.shape[x.rank - 1];
  if (gamma.size !== C || beta.size !== C) {
    throw new Error(`layerNorm: gamma [${gamma.shape}] and beta [${beta.shape}] must have ${C} elements (last dim of x [${x.shape}])`);
  }
  if (useFusedKernel(FUSED_KERNELS.layerNorm, FUSED_KERNELS.layerNormGrad)) {
    // Frozen gamma and beta (LoRA training) are constants of the op: not saved, and their gradients not computed.
    const paramGrads = !(isFrozen(gamma) && isFrozen(beta));
    const attrs = { epsilon };
    return tf.tidy(() => {
      const g = reshapeTo(gamma, [C]);
      const b = reshapeTo(beta, [C]);
      const frozenGamma = paramGrads ? null : frozenRef(g);
      const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
        const save = args[args.length - 1] as tf.GradSaveFunc;
        const [xi, gi, bi] = paramGrads ? (args as tf.Tensor[]) : [args[0] as tf.Tensor, g, b];
        save(paramGrads ? [xi, gi] : [xi]);
        const value = runKernel(FUSED_KERNELS.layerNorm, { x: xi, gamma: gi, beta: bi }, attrs);
        return {
          value,
          gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
            const gammaSaved = frozenGamma == null ? saved[1] : frozenGamma();
            const grads = runKernelMulti(FUSED_KERNELS.layerNormGrad, { dy: dy as tf.Tensor, x: saved[0], gamma: gammaSaved }, { ...attrs, paramGrads });
            releaseAfterGrad(dy, saved, value.id);
            if (paramGrads) return grads;
            tf.dispose(grads.slice(1));
            return [grads[0]];
          },
        };
      });
      return paramGrads ? f(x, g, b) : f(x);
    });
  }
  return tf.tidy(() => {
    const mean = tf.mean(x, -1, true);
    const centred = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centred), -1, true);
    const normed = tf.mul(centred, tf.rsqrt(tf.add(variance, epsilon)));
    return tf.add(tf.mul(normed, tf.reshape(gamma, [C])), tf.reshape(beta, [C]));
  });
}
