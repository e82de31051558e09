// Losses over model outputs that several model packages share.
import * as tf from '@tensorflow/tfjs-core';
import { crossEntropy } from './ops/cross-entropy.js';

/**
 * HF's sequence-classification loss: MSE on `labels` (float [B]) when logits are [B, 1] (regression, STS-B);
 * otherwise the mean cross-entropy on int labels [B] over the rows whose label is ≥ 0.
 */
export function sequenceClassificationLoss(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const [B, L] = logits.shape;
    if (labels.size !== B) throw new Error(`loss: ${labels.size} labels for ${B} rows of logits`);
    if (L === 1) return tf.mean(tf.square(tf.sub(tf.reshape(logits, [B]), tf.cast(tf.reshape(labels, [B]), 'float32'))));
    const l = tf.cast(tf.reshape(labels, [B]), 'int32');
    const valid = tf.cast(tf.greaterEqual(l, 0), 'float32');
    const total = tf.sum(crossEntropy(logits, l));
    return tf.div(total, tf.maximum(tf.sum(valid), 1));
  }) as tf.Scalar;
}
