// Adapter initialisations for Linear-like layers (loralib and PEFT's init_lora_weights variants).
import * as tf from '@tensorflow/tfjs-core';
import type { LoraInit } from './adapters.js';
import { kaimingUniform, normal } from './init.js';
import { svd, svdLowRank } from './svd.js';

/** Initial A and B, plus the new base weight when the init changes it (PiSSA). */
export interface LinearAdapterInit {
  loraA: tf.Tensor;
  loraB: tf.Tensor;
  /** PiSSA: W − scaling·B·A in [out, in] layout (the caller owns it). */
  residualWeight?: tf.Tensor;
}

/** Settings an init may need. */
export interface InitContext {
  scaling: number;
  /** The adapter rank (A has rank·E rows for grouped adapters); default shapeA[0]. */
  rank?: number;
  /** The base weight as [out, in] (for PiSSA). */
  weightOutIn?: () => tf.Tensor;
}

/**
 * A [rank, in], B [out, rank] for a Linear-like layer: true → A Kaiming-uniform(a=√5), B = 0 (loralib);
 * false → both Kaiming-uniform; 'gaussian' → A ~ N(0, 1/rank), B = 0; 'pissa[_niter_K]' → principal singular parts of W.
 */
export function initLinearAdapter(owner: string, shapeA: number[], shapeB: number[], init: LoraInit, ctx: InitContext): LinearAdapterInit {
  const rank = ctx.rank ?? shapeA[0];
  if (init === true) return { loraA: kaimingUniform(shapeA), loraB: tf.zeros(shapeB) };
  if (init === false) return { loraA: kaimingUniform(shapeA), loraB: kaimingUniform(shapeB) };
  if (init === 'gaussian') return { loraA: normal(shapeA, 1 / rank), loraB: tf.zeros(shapeB) };
  const niterMatch = typeof init === 'string' ? /^pissa(?:_niter_(\d+))?$/.exec(init) : null;
  if (niterMatch != null) {
    if (ctx.weightOutIn == null) throw new Error(`${owner}: init "${init}" needs the base weight`);
    return pissa(ctx.weightOutIn, rank, ctx.scaling, niterMatch[1] == null ? null : Number(niterMatch[1]));
  }
  throw new Error(`${owner}: unknown init ${JSON.stringify(init)} (expected true | false | 'gaussian' | 'pissa' | 'pissa_niter_K')`);
}

/** PiSSA: W = V S Uh; A = diag(√(S_r/scaling))·Uh_r, B = V_r·diag(√(S_r/scaling)), residual W − scaling·B·A. */
function pissa(weightOutIn: () => tf.Tensor, rank: number, scaling: number, niter: number | null): LinearAdapterInit {
  const w = tf.tidy(() => tf.clone(weightOutIn())); // a copy: weightOutIn may return the weight variable itself
  const [outF, inF] = w.shape;
  const data = w.dataSync();
  w.dispose();
  if (rank > Math.min(outF, inF)) throw new Error(`pissa: rank ${rank} exceeds min(out, in) = ${Math.min(outF, inF)}`);
  const d = niter == null ? svd(data, outF, inF) : svdLowRank(data, outF, inF, rank, niter);
  const a = new Float32Array(rank * inF);
  const b = new Float32Array(outF * rank);
  for (let r = 0; r < rank; r++) {
    const root = Math.sqrt(d.s[r] / scaling);
    for (let i = 0; i < inF; i++) a[r * inF + i] = root * d.vt[r * inF + i];
    for (let o = 0; o < outF; o++) b[o * rank + r] = d.u[o * d.k + r] * root;
  }
  const residual = new Float32Array(outF * inF);
  for (let o = 0; o < outF; o++)
    for (let i = 0; i < inF; i++) {
      let acc = 0;
      for (let r = 0; r < rank; r++) acc += b[o * rank + r] * a[r * inF + i];
      residual[o * inF + i] = data[o * inF + i] - scaling * acc;
    }
  return { loraA: tf.tensor2d(a, [rank, inF]), loraB: tf.tensor2d(b, [outF, rank]), residualWeight: tf.tensor2d(residual, [outF, inF]) };
}
