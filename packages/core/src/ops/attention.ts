// Scaled dot-product attention: y = softmax(q·kᵀ·scale + mask [+ causal])·v.
// Shapes: B batch, H heads, T query length, S key length, D head size.
import * as tf from '@tensorflow/tfjs-core';
import { dropoutMask } from '../dropout.js';
import { nextSeed } from '../init.js';
import { FUSED_KERNELS, releaseAfterGrad, runKernel, runKernelMulti, useFusedKernel } from './kernels.js';

/** Options for `attention`. */
export interface AttentionOptions {
  /** Additive float mask broadcastable to [B, H, T, S] (0 to keep, large negative to hide). */
  mask?: tf.Tensor;
  /**
   * The mask is computed from trainable parameters (a learned score bias, such as DeBERTa's relative-position terms)
   * and its gradient must flow. The fused kernels treat the mask as a constant, so with this set `attention` runs as
   * composed tfjs ops (native on the torch backend), whose gradient reaches the mask. Default false.
   */
  maskGrad?: boolean;
  /** Query i sees keys j ≤ i + S − T (so cached decoding with S > T works). */
  causal?: boolean;
  /** Score scale; default 1/√D. */
  scale?: number;
  /** Dropout probability on the attention weights (pass 0 at evaluation). */
  dropout?: number;
  /** Seed for the dropout draw. */
  seed?: number;
}

/** Additive causal mask [T, S]: 0 where key s ≤ t + S − T, −∞ elsewhere. */
function causalMask(T: number, S: number): tf.Tensor {
  const m = new Float32Array(T * S);
  for (let t = 0; t < T; t++) for (let s = 0; s < S; s++) if (s > t + S - T) m[t * S + s] = -Infinity;
  return tf.tensor2d(m, [T, S]);
}

/**
 * Multi-head self-attention over packed projections: qkv [B, T, 3·H·D] holds q | k | v along the last axis, each
 * head-major (feature h·D + d), as GPT-2's c_attn produces them; the result has the heads merged back: [B, T, H·D].
 * Equal to splitting, moving heads to [B, H, T, D], `attention` and merging, without those layout steps
 * (LoratsPackedAttention when registered: one kernel and one gradient kernel).
 */
export function packedAttention(qkv: tf.Tensor, heads: number, options: AttentionOptions = {}): tf.Tensor {
  if (qkv.rank !== 3 || !Number.isInteger(heads) || heads <= 0 || (qkv.shape[2] as number) % (3 * heads) !== 0) {
    throw new Error(`packedAttention: qkv must be [B, T, 3·heads·D] for ${heads} heads, got [${qkv.shape}]`);
  }
  const [B, T, C3] = qkv.shape as number[];
  const C = C3 / 3;
  const D = C / heads;
  const { mask, causal = false, scale = 1 / Math.sqrt(D), dropout = 0 } = options;
  if (!(dropout >= 0 && dropout < 1)) throw new Error(`packedAttention: dropout must be in [0, 1), got ${dropout}`);
  const seed = options.seed ?? (dropout > 0 ? (nextSeed() ?? Math.floor(Math.random() * 2 ** 31)) : 0);

  if (useFusedKernel(FUSED_KERNELS.packedAttention, FUSED_KERNELS.packedAttentionGrad) && !(options.maskGrad && mask != null)) {
    const attrs = { heads, causal, scale, dropout, seed };
    const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [qkvi, save] = args as [tf.Tensor, tf.GradSaveFunc];
      const inputs: tf.NamedTensorMap = { qkv: qkvi };
      if (mask != null) inputs.mask = mask;
      // a backend may also return `stats` for its gradient kernel, which then takes y and stats as well
      const out = tf.engine().runKernel(FUSED_KERNELS.packedAttention, inputs, attrs) as tf.Tensor | tf.Tensor[];
      const [value, stats] = Array.isArray(out) ? out : [out, null];
      save([qkvi, ...(mask == null ? [] : [mask]), ...(stats == null ? [] : [value, stats])]);
      return {
        value,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const gradInputs: tf.NamedTensorMap = { dy: dy as tf.Tensor, qkv: saved[0] };
          if (mask != null) gradInputs.mask = saved[1];
          if (stats != null) {
            gradInputs.y = saved[saved.length - 2];
            gradInputs.stats = saved[saved.length - 1];
          }
          const dqkv = runKernel(FUSED_KERNELS.packedAttentionGrad, gradInputs, attrs);
          releaseAfterGrad(dy, saved, value.id);
          return dqkv;
        },
      };
    });
    return tf.tidy(() => f(qkv));
  }

  return tf.tidy(() => {
    const toHeads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, T, heads, D]), [0, 2, 1, 3]); // [B, T, C] → [B, H, T, D]
    const [q, k, v] = tf.split(qkv, 3, 2).map(toHeads);
    const y = attention(q, k, v, { ...options, scale, dropout, seed }); // [B, H, T, D]
    return tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B, T, C]);
  });
}

/** Multi-head scaled dot-product attention over q [B,H,T,D], k and v [B,H,S,D] → [B,H,T,D] (LoratsAttention when registered). */
export function attention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options: AttentionOptions = {}): tf.Tensor {
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) {
    throw new Error(`attention: q, k, v must be [B, H, T|S, D], got [${q.shape}], [${k.shape}], [${v.shape}]`);
  }
  const [B, H, T, D] = q.shape as number[];
  const S = k.shape[2] as number;
  if (k.shape[0] !== B || k.shape[1] !== H || k.shape[3] !== D || v.shape[0] !== B || v.shape[1] !== H || v.shape[2] !== S) {
    throw new Error(`attention: k [${k.shape}] and v [${v.shape}] do not match q [${q.shape}]`);
  }
  const { mask, causal = false, scale = 1 / Math.sqrt(D), dropout = 0 } = options;
  if (!(dropout >= 0 && dropout < 1)) throw new Error(`attention: dropout must be in [0, 1), got ${dropout}`);
  const seed = options.seed ?? (dropout > 0 ? (nextSeed() ?? Math.floor(Math.random() * 2 ** 31)) : 0);

  if (useFusedKernel(FUSED_KERNELS.attention, FUSED_KERNELS.attentionGrad) && !(options.maskGrad && mask != null)) {
    const attrs = { causal, scale, dropout, seed };
    const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [qi, ki, vi, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      save(mask == null ? [qi, ki, vi] : [qi, ki, vi, mask]);
      const inputs: tf.NamedTensorMap = { q: qi, k: ki, v: vi };
      if (mask != null) inputs.mask = mask;
      const value = runKernel(FUSED_KERNELS.attention, inputs, attrs);
      return {
        value,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const gradInputs: tf.NamedTensorMap = { dy: dy as tf.Tensor, q: saved[0], k: saved[1], v: saved[2] };
          if (saved.length > 3) gradInputs.mask = saved[3];
          const grads = runKernelMulti(FUSED_KERNELS.attentionGrad, gradInputs, attrs);
          releaseAfterGrad(dy, saved, value.id);
          return grads;
        },
      };
    });
    return tf.tidy(() => f(q, k, v));
  }

  return tf.tidy(() => {
    let scores = tf.mul(tf.matMul(q, k, false, true), scale); // [B, H, T, S]
    if (mask != null) scores = tf.add(scores, mask);
    if (causal) scores = tf.add(scores, causalMask(T, S));
    let probs = tf.softmax(scores, -1);
    if (dropout > 0) probs = tf.mul(probs, dropoutMask(probs.shape, dropout, seed));
    return tf.matMul(probs, v); // [B, H, T, D]
  });
}
