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
