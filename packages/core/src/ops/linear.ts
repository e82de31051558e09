// linear: y = x·Wᵀ + b (torch.nn.Linear, weight [out, in]) or x·W + b (weight [in, out], GPT-2's Conv1D layout),
// optionally plus a residual (a pre-LN transformer's skip connection, fused into the same kernel).
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS, frozenRef, releaseAfterGrad, reshapeTo, runKernel, runKernelMulti, useFusedKernel } from './kernels.js';

/** A frozen variable needs no gradient: the op treats it as a constant and its kernel skips that product. */
export function isFrozen(t: tf.Tensor | null): boolean {
  return t instanceof tf.Variable && !t.trainable;
}

/**
 * x [..., in] · weight + bias [out] (+ residual [..., out]) → [..., out], with weight [out, in] (`weightIsOutIn`,
 * default) or [in, out] (LoratsLinear when registered: one kernel and one gradient kernel instead of reshapes, a
 * matmul and broadcast adds, each of which tfjs records with saved tensors).
 */
export function linear(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | null, weightIsOutIn = true, residual: tf.Tensor | null = null): tf.Tensor {
  const inF = x.shape[x.rank - 1];
  const outF = (weightIsOutIn ? weight.shape[0] : weight.shape[1]) as number;
  if (weight.rank !== 2 || (weightIsOutIn ? weight.shape[1] : weight.shape[0]) !== inF) {
    throw new Error(`linear: x [${x.shape}] does not match weight [${weight.shape}] (${weightIsOutIn ? '[out, in]' : '[in, out]'})`);
  }
  if (bias != null && bias.size !== outF) throw new Error(`linear: bias [${bias.shape}] must have ${outF} elements`);
  const outShape = [...x.shape.slice(0, -1), outF];
  if (residual != null && (residual.rank !== outShape.length || residual.shape.some((d, i) => d !== outShape[i]))) {
    throw new Error(`linear: residual [${residual.shape}] must match the output [${outShape}]`);
  }

  if (useFusedKernel(FUSED_KERNELS.linear, FUSED_KERNELS.linearGrad)) {
    const fanInFanOut = !weightIsOutIn;
    const weightGrad = !isFrozen(weight);
    const biasGrad = bias != null && !isFrozen(bias);
    const hasResidual = residual != null;
    // customGrad inputs: x, then weight and bias unless frozen (constants of the op), then the residual
    return tf.tidy(() => {
      const b = bias == null ? null : reshapeTo(bias, [outF]);
      const frozenWeight = weightGrad ? null : frozenRef(weight);
      const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
        const save = args[args.length - 1] as tf.GradSaveFunc;
        const given = args.slice(0, -1) as tf.Tensor[];
        let k = 0;
        const xi = given[k++];
        const w = weightGrad ? given[k++] : weight;
        const bi = biasGrad ? given[k++] : b;
        const ri = hasResidual ? given[k++] : null;
        save(weightGrad ? [xi, w] : [xi]);
        const inputs: tf.NamedTensorMap = { x: xi, weight: w };
        if (bi != null) inputs.bias = bi;
        if (ri != null) inputs.residual = ri;
        const value = runKernel(FUSED_KERNELS.linear, inputs, { fanInFanOut });
        return {
          value,
          gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
            const wSaved = frozenWeight == null ? saved[1] : frozenWeight();
            const [dx, dw, db, dr] = runKernelMulti(
              FUSED_KERNELS.linearGrad,
              { dy: dy as tf.Tensor, x: saved[0], weight: wSaved },
              { fanInFanOut, weightGrad, biasGrad, hasResidual },
            );
            releaseAfterGrad(dy, saved, value.id);
            const grads = [dx];
            if (weightGrad) grads.push(dw);
            else dw.dispose();
            if (biasGrad) grads.push(db);
            else db.dispose();
            if (hasResidual) grads.push(dr);
            return grads;
          },
        };
      });
      const args = [x];
      if (weightGrad) args.push(weight);
      if (biasGrad && b != null) args.push(b);
      if (residual != null) args.push(residual);
      return f(...args);
    });
  }

  return tf.tidy(() => {
    const x2 = tf.reshape(x, [-1, inF]); // [N, in]
    const y = tf.matMul(x2, weight, false, weightIsOutIn); // [N, out]
    const out = tf.reshape(bias == null ? y : tf.add(y, tf.reshape(bias, [outF])), outShape);
    return residual == null ? out : tf.add(out, residual);
  });
}
