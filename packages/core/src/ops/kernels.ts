// The fused-op kernel names of docs/fused-ops.md and the switch that decides whether an op runs its kernel.
import * as tf from '@tensorflow/tfjs-core';

/** Kernel names of the fused-op contract (docs/fused-ops.md); backends register kernels under these names. */
export const FUSED_KERNELS = {
  layerNorm: 'LoratsLayerNorm',
  layerNormGrad: 'LoratsLayerNormGrad',
  gelu: 'LoratsGelu',
  geluGrad: 'LoratsGeluGrad',
  attention: 'LoratsAttention',
  attentionGrad: 'LoratsAttentionGrad',
  packedAttention: 'LoratsPackedAttention',
  packedAttentionGrad: 'LoratsPackedAttentionGrad',
  linear: 'LoratsLinear',
  linearGrad: 'LoratsLinearGrad',
  loraLinear: 'LoratsLoraLinear',
  loraLinearGrad: 'LoratsLoraLinearGrad',
  crossEntropy: 'LoratsCrossEntropy',
  crossEntropyGrad: 'LoratsCrossEntropyGrad',
} as const;

let enabled = true;

/** Turns the use of registered fused kernels on or off (off: every op uses its pure-tfjs fallback). */
export function setFusedKernelsEnabled(on: boolean): void {
  enabled = on;
}

/** Whether ops may use registered fused kernels (see `setFusedKernelsEnabled`). */
export function fusedKernelsEnabled(): boolean {
  return enabled;
}

/** True when the active backend registers both `kernel` and `grad` and fused kernels are enabled. */
export function useFusedKernel(kernel: string, grad: string): boolean {
  if (!enabled) return false;
  const backend = tf.getBackend();
  return tf.getKernel(kernel, backend) != null && tf.getKernel(grad, backend) != null;
}

/** Runs a single-output kernel on the active backend. */
export function runKernel(name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap): tf.Tensor {
  return tf.engine().runKernel(name, inputs, attrs) as tf.Tensor;
}

/** Runs a multi-output kernel on the active backend. */
export function runKernelMulti(name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap): tf.Tensor[] {
  return tf.engine().runKernel(name, inputs, attrs) as tf.Tensor[];
}

/** Whether a gradient function runs in a first-order backward pass (not under an outer tape, as in grad-of-grad). */
function firstOrderBackward(): boolean {
  return tf.engine().state.gradientDepth === 0;
}

/**
 * Frees what a fused op's gradient function no longer needs: its saved tensors and its upstream gradient `dy`. tfjs
 * keeps every saved tensor and every intermediate gradient alive until the whole backward pass ends; freeing them as
 * each node is done (as PyTorch's autograd does) lowers the peak memory of a training step. Only in a first-order
 * backward pass (an outer tape may still need them), and `dy` only when the backward pass made it (a tensor newer than
 * the op's output `outputId`; a caller's own dy, as in `tf.grad(f)(x, dy)`, is older). Data shared with other tensors
 * stays until the last of them goes.
 */
export function releaseAfterGrad(dy: tf.Tensor | tf.Tensor[], saved: readonly tf.Tensor[], outputId: number): void {
  if (!firstOrderBackward()) return;
  for (const t of saved) t.dispose();
  for (const t of Array.isArray(dy) ? dy : [dy]) if (t.id > outputId) t.dispose();
}

/** `t` reshaped to `shape`, or `t` itself when it already has that shape (no kernel call). */
export function reshapeTo(t: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (t.rank === shape.length && t.shape.every((d, i) => d === shape[i])) return t;
  return tf.reshape(t, shape as number[]);
}

/**
 * A frozen tensor a gradient function needs (a weight or gamma that is not trained): referenced as it is instead of
 * saved, since a saved tensor costs a clone kernel per op and step. It is checked unchanged (not reassigned, not
 * disposed) when the gradient runs.
 */
export function frozenRef(t: tf.Tensor): () => tf.Tensor {
  const dataId = t.dataId;
  return () => {
    if (t.isDisposed || t.dataId !== dataId) {
      throw new Error(`a frozen variable${t instanceof tf.Variable ? ` (${t.name})` : ''} was reassigned or disposed between the forward pass and its gradient`);
    }
    return t;
  };
}
