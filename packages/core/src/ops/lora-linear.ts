// loraLinear: y = x·Wᵀ + b + scaling·((x⊙mask)·Aᵀ)·Bᵀ, the LoRA-adapted linear map with PyTorch weight layouts.
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS, runKernel, runKernelMulti, useFusedKernel } from './kernels.js';

/** Options for `loraLinear`. */
export interface LoraLinearOptions {
  /** alpha / rank (or alpha / √rank with rsLoRA). */
  scaling: number;
  /** Dropout mask on the LoRA input, same shape as x, already scaled by 1/(1−p). */
  dropoutMask?: tf.Tensor | null;
  /**
   * Whether the weight needs a gradient (default: unless it is a frozen tf.Variable). When false the weight is a
   * constant of the op and the kernel is asked to skip dweight (attr `weightGrad`), a third of the backward matmuls.
   */
  weightGrad?: boolean;
}

/** x [..., in] through weight [out, in], bias [out] and a LoRA pair A [rank, in], B [out, rank] → [..., out] (LoratsLoraLinear when registered). */
export function loraLinear(
  x: tf.Tensor,
  weight: tf.Tensor,
  bias: tf.Tensor | null,
  loraA: tf.Tensor,
  loraB: tf.Tensor,
  options: LoraLinearOptions,
): tf.Tensor {
  const [outF, inF] = weight.shape as number[];
  const rank = loraA.shape[0] as number;
  if (weight.rank !== 2 || x.shape[x.rank - 1] !== inF) throw new Error(`loraLinear: x [${x.shape}] does not match weight [${weight.shape}] ([out, in])`);
  if (loraA.rank !== 2 || loraA.shape[1] !== inF) throw new Error(`loraLinear: loraA [${loraA.shape}] must be [rank, ${inF}]`);
  if (loraB.rank !== 2 || loraB.shape[0] !== outF || loraB.shape[1] !== rank) throw new Error(`loraLinear: loraB [${loraB.shape}] must be [${outF}, ${rank}]`);
  if (bias != null && bias.size !== outF) throw new Error(`loraLinear: bias [${bias.shape}] must have ${outF} elements`);
  const { scaling } = options;
  const mask = options.dropoutMask ?? null;
  if (mask != null && (mask.rank !== x.rank || mask.shape.some((d, i) => d !== x.shape[i]))) {
    throw new Error(`loraLinear: dropoutMask [${mask.shape}] must match x [${x.shape}]`);
  }

  if (useFusedKernel(FUSED_KERNELS.loraLinear, FUSED_KERNELS.loraLinearGrad)) {
    const hasBias = bias != null;
    const weightGrad = options.weightGrad ?? !(weight instanceof tf.Variable && !weight.trainable);
    // customGrad inputs: x, [weight], loraA, loraB, [bias]; a frozen weight is a closed-over constant (saved below)
    const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const save = args[args.length - 1] as tf.GradSaveFunc;
      const given = args.slice(0, -1) as tf.Tensor[];
      const xi = given[0];
      const w = weightGrad ? given[1] : weight;
      const [a, b, bi] = given.slice(weightGrad ? 2 : 1);
      save(mask == null ? [xi, w, a, b] : [xi, w, a, b, mask]);
      const inputs: tf.NamedTensorMap = { x: xi, weight: w, loraA: a, loraB: b };
      if (bi != null) inputs.bias = bi;
      if (mask != null) inputs.dropoutMask = mask;
      return {
        value: runKernel(FUSED_KERNELS.loraLinear, inputs, { scaling }),
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const gradInputs: tf.NamedTensorMap = { dy: dy as tf.Tensor, x: saved[0], weight: saved[1], loraA: saved[2], loraB: saved[3] };
          if (saved.length > 4) gradInputs.dropoutMask = saved[4];
          const [dx, dw, db, da, dbm] = runKernelMulti(FUSED_KERNELS.loraLinearGrad, gradInputs, { scaling, hasBias, weightGrad });
          const grads = weightGrad ? [dx, dw, da, dbm] : [dx, da, dbm];
          if (!weightGrad) dw.dispose();
          if (hasBias) grads.push(db);
          else db.dispose();
          return grads;
        },
      };
    });
    return tf.tidy(() => {
      const args = weightGrad ? [x, weight, loraA, loraB] : [x, loraA, loraB];
      if (hasBias) args.push(tf.reshape(bias, [outF]));
      return f(...args);
    });
  }

  return tf.tidy(() => {
    const x2 = tf.reshape(x, [-1, inF]); // [N, in]
    const base = tf.matMul(x2, weight, false, true); // [N, out]
    const withBias = bias == null ? base : tf.add(base, tf.reshape(bias, [outF]));
    const xm = mask == null ? x2 : tf.mul(x2, tf.reshape(mask, [-1, inF]));
    const h = tf.matMul(xm, loraA, false, true); // [N, rank]
    const delta = tf.mul(tf.matMul(h, loraB, false, true), scaling); // [N, out]
    return tf.reshape(tf.add(withBias, delta), [...x.shape.slice(0, -1), outF]);
  });
}
