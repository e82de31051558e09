// loraLinear: y = x·Wᵀ + b + scaling·((x⊙mask)·Aᵀ)·Bᵀ, the LoRA-adapted linear map with PyTorch weight layouts.
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS, frozenRef, releaseAfterGrad, reshapeTo, runKernel, runKernelMulti, useFusedKernel } from './kernels.js';
import { isFrozen } from './linear.js';

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
  /** The weight is stored [in, out] (loralib's fan_in_fan_out, GPT-2's Conv1D) instead of [out, in]. */
  fanInFanOut?: boolean;
  /**
   * loralib's MergedLinear groups: the output splits into enableLora.length equal slices of d = out/G features and
   * only the E enabled ones get an adapter. Then A is [rank·E, in] and B is [d·E, rank]; enabled group k (in order)
   * uses rows k·rank… of A and rows k·d… of B and adds its update to its own output slice.
   */
  enableLora?: readonly boolean[] | null;
}

/**
 * x [..., in] through weight [out, in] (or [in, out] with fanInFanOut), bias [out] and a LoRA pair A [rank, in],
 * B [out, rank] (grouped shapes with enableLora) → [..., out] (LoratsLoraLinear when registered).
 */
export function loraLinear(
  x: tf.Tensor,
  weight: tf.Tensor,
  bias: tf.Tensor | null,
  loraA: tf.Tensor,
  loraB: tf.Tensor,
  options: LoraLinearOptions,
): tf.Tensor {
  const fanInFanOut = options.fanInFanOut ?? false;
  const [outF, inF] = (fanInFanOut ? [weight.shape[1], weight.shape[0]] : weight.shape) as number[];
  const layout = fanInFanOut ? '[in, out]' : '[out, in]';
  if (weight.rank !== 2 || x.shape[x.rank - 1] !== inF) throw new Error(`loraLinear: x [${x.shape}] does not match weight [${weight.shape}] (${layout})`);
  const enable = options.enableLora ?? null;
  const groups = enable?.length ?? 1;
  const enabled = enable == null ? 1 : enable.filter(Boolean).length;
  if (enable != null && (groups === 0 || enabled === 0 || outF % groups !== 0)) {
    throw new Error(`loraLinear: enableLora [${enable}] must have an enabled group and divide ${outF} output features`);
  }
  const adapted = (outF / groups) * enabled; // output features the adapter covers (d·E)
  const rank = (loraA.shape[0] as number) / enabled;
  if (loraA.rank !== 2 || loraA.shape[1] !== inF || !Number.isInteger(rank)) {
    throw new Error(`loraLinear: loraA [${loraA.shape}] must be [${enable == null ? 'rank' : `rank·${enabled}`}, ${inF}]`);
  }
  if (loraB.rank !== 2 || loraB.shape[0] !== adapted || loraB.shape[1] !== rank) throw new Error(`loraLinear: loraB [${loraB.shape}] must be [${adapted}, ${rank}]`);
  if (bias != null && bias.size !== outF) throw new Error(`loraLinear: bias [${bias.shape}] must have ${outF} elements`);
  const { scaling } = options;
  const mask = options.dropoutMask ?? null;
  if (mask != null && (mask.rank !== x.rank || mask.shape.some((d, i) => d !== x.shape[i]))) {
    throw new Error(`loraLinear: dropoutMask [${mask.shape}] must match x [${x.shape}]`);
  }

  if (useFusedKernel(FUSED_KERNELS.loraLinear, FUSED_KERNELS.loraLinearGrad)) {
    const hasBias = bias != null;
    const weightGrad = options.weightGrad ?? !isFrozen(weight);
    const biasGrad = hasBias && !isFrozen(bias);
    const attrs: tf.NamedAttrMap = { scaling, fanInFanOut };
    if (enable != null) attrs.enableLora = [...enable];
    // customGrad inputs: x, [weight], loraA, loraB, [bias]; a frozen weight or bias is a closed-over constant
    return tf.tidy(() => {
      const b = bias == null ? null : reshapeTo(bias, [outF]);
      const frozenWeight = weightGrad ? null : frozenRef(weight);
      const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
        const save = args[args.length - 1] as tf.GradSaveFunc;
        const given = args.slice(0, -1) as tf.Tensor[];
        const xi = given[0];
        const w = weightGrad ? given[1] : weight;
        const [a, bm, bi] = given.slice(weightGrad ? 2 : 1);
        // saved: x, A, B, [weight unless frozen], [mask]
        const toSave = [xi, a, bm];
        if (weightGrad) toSave.push(w);
        if (mask != null) toSave.push(mask);
        save(toSave);
        const inputs: tf.NamedTensorMap = { x: xi, weight: w, loraA: a, loraB: bm };
        if (b != null) inputs.bias = biasGrad ? bi : b;
        if (mask != null) inputs.dropoutMask = mask;
        const value = runKernel(FUSED_KERNELS.loraLinear, inputs, attrs);
        return {
          value,
          gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
            const weightSaved = frozenWeight == null ? saved[3] : frozenWeight();
            const gradInputs: tf.NamedTensorMap = { dy: dy as tf.Tensor, x: saved[0], weight: weightSaved, loraA: saved[1], loraB: saved[2] };
            if (mask != null) gradInputs.dropoutMask = saved[saved.length - 1];
            const [dx, dw, db, da, dbm] = runKernelMulti(FUSED_KERNELS.loraLinearGrad, gradInputs, { ...attrs, hasBias, weightGrad, biasGrad });
            releaseAfterGrad(dy, saved, value.id);
            const grads = weightGrad ? [dx, dw, da, dbm] : [dx, da, dbm];
            if (!weightGrad) dw.dispose();
            if (biasGrad) grads.push(db);
            else db.dispose();
            return grads;
          },
        };
      });
      const args = weightGrad ? [x, weight, loraA, loraB] : [x, loraA, loraB];
      if (biasGrad && b != null) args.push(b);
      return f(...args);
    });
  }

  return tf.tidy(() => {
    const x2 = tf.reshape(x, [-1, inF]); // [N, in]
    const base = tf.matMul(x2, weight, false, !fanInFanOut); // [N, out]
    const withBias = bias == null ? base : tf.add(base, tf.reshape(bias, [outF]));
    const xm = mask == null ? x2 : tf.mul(x2, tf.reshape(mask, [-1, inF]));
    const h = tf.matMul(xm, loraA, false, true); // [N, rank·E]
    const delta = tf.mul(tf.matMul(h, enable == null ? loraB : expandGroups(loraB, enable, rank), false, true), scaling); // [N, out]
    return tf.reshape(tf.add(withBias, delta), [...x.shape.slice(0, -1), outF]);
  });
}

/**
 * B [d·E, rank] of a grouped adapter as the equivalent [out, rank·E] matrix: enabled group k's block B_k sits in its
 * output rows and in columns k·rank…, zeros elsewhere (loralib's zero_pad of the grouped product), so that
 * h·expandedᵀ = the per-group updates in their output slices.
 */
export function expandGroups(loraB: tf.Tensor, enable: readonly boolean[], rank: number): tf.Tensor {
  return tf.tidy(() => {
    const E = enable.filter(Boolean).length;
    const d = (loraB.shape[0] as number) / E;
    const blocks: tf.Tensor[] = [];
    let k = 0;
    for (const on of enable) {
      if (on) {
        const bk = tf.slice(loraB, [k * d, 0], [d, rank]); // [d, rank]
        blocks.push(tf.pad(bk, [[0, 0], [k * rank, (E - k - 1) * rank]])); // [d, rank·E]
        k += 1;
      } else blocks.push(tf.zeros([d, rank * E]));
    }
    return tf.concat(blocks, 0); // [out, rank·E]
  });
}
