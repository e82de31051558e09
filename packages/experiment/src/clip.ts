// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_ (`--clip` in gpt2_ft.py; 0 means off).
import * as tf from '@tensorflow/tfjs-core';

/**
 * Scales every gradient by min(1, maxNorm / (norm + 1e-6)), where norm is the L2 norm over all of them. Returns
 * new tensors (the caller owns them and the inputs) and the norm before clipping.
 */
export function clipGradNorm(grads: ReadonlyMap<string, tf.Tensor>, maxNorm: number): { grads: Map<string, tf.Tensor>; norm: number } {
  if (!(maxNorm > 0)) throw new Error(`clipGradNorm: maxNorm must be > 0, got ${maxNorm}`);
  const norm = Math.sqrt(
    tf.tidy(() => tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g))).concat(tf.scalar(0))).dataSync()[0]),
  );
  const coef = Math.min(1, maxNorm / (norm + 1e-6));
  const out = new Map<string, tf.Tensor>();
  for (const [name, g] of grads) out.set(name, coef < 1 ? tf.mul(g, coef) : g.clone());
  return { grads: out, norm };
}
