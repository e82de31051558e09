// crossEntropy: per-row loss (1−ε)·NLL + ε·mean_v(−log p_v) over logits [N, V]; negative labels are ignored (loss 0).
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS, releaseAfterGrad, reshapeTo, runKernel, useFusedKernel } from './kernels.js';

/** Options for `crossEntropy`. */
export interface CrossEntropyOptions {
  /** Label smoothing ε in [0, 1) (loralib's `label_smooth`). */
  labelSmoothing?: number;
}

/** Per-row cross-entropy of logits [..., V] against int32 labels [...] (no one-hot; LoratsCrossEntropy when registered). */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor, options: CrossEntropyOptions = {}): tf.Tensor {
  const { labelSmoothing = 0 } = options;
  if (!(labelSmoothing >= 0 && labelSmoothing < 1)) throw new Error(`crossEntropy: labelSmoothing must be in [0, 1), got ${labelSmoothing}`);
  const V = logits.shape[logits.rank - 1];
  const rowsShape = logits.shape.slice(0, -1);
  if (labels.rank !== rowsShape.length || labels.shape.some((d, i) => d !== rowsShape[i])) {
    throw new Error(`crossEntropy: labels [${labels.shape}] must be [${rowsShape}] for logits [${logits.shape}]`);
  }
  if (labels.dtype !== 'int32') throw new Error(`crossEntropy: labels must be int32, got ${labels.dtype}`);
  const N = labels.size;

  if (useFusedKernel(FUSED_KERNELS.crossEntropy, FUSED_KERNELS.crossEntropyGrad)) {
    const attrs = { labelSmoothing };
    const labels1 = reshapeTo(labels, [N]);
    const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [l, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([l, labels1]);
      const value = runKernel(FUSED_KERNELS.crossEntropy, { logits: l, labels: labels1 }, attrs);
      return {
        value,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const dlogits = runKernel(FUSED_KERNELS.crossEntropyGrad, { dy: dy as tf.Tensor, logits: saved[0], labels: saved[1] }, attrs);
          releaseAfterGrad(dy, saved, value.id);
          return dlogits;
        },
      };
    });
    const loss = tf.tidy(() => reshapeTo(f(reshapeTo(logits, [N, V])), rowsShape));
    if (labels1 !== labels) labels1.dispose();
    return loss;
  }

  return tf.tidy(() => {
    const logp = tf.logSoftmax(tf.reshape(logits, [N, V])); // [N, V]
    const l = tf.reshape(labels, [N]);
    const valid = tf.greaterEqual(l, 0);
    const safe = tf.where(valid, l, tf.zerosLike(l));
    // Picking log p[label] by a one-hot product: its gradient is elementwise, while gather's (unsortedSegmentSum over
    // N·V segments) takes seconds on the tfjs cpu backend.
    const nll = tf.neg(tf.sum(tf.mul(logp, tf.oneHot(safe, V)), -1)); // [N]
    let loss = nll;
    if (labelSmoothing > 0) loss = tf.add(tf.mul(nll, 1 - labelSmoothing), tf.mul(tf.neg(tf.mean(logp, -1)), labelSmoothing));
    return tf.reshape(tf.where(valid, loss, tf.zerosLike(loss)), rowsShape);
  });
}
