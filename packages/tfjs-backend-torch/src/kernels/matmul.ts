// Matrix products: BatchMatMul (batch dims broadcast) and tfjs-layers' _FusedMatMul (bias + activation).
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

import type { TorchAddon } from '../addon.js';
import type { TorchBackend } from '../backend.js';
import { boolAttr, code, input, kernel, numberAttr, opCodes, stringAttr } from './kernel.js';

/** Adds a bias and applies a tfjs fused activation, disposing the intermediate. */
export function biasAndActivation(
  backend: TorchBackend,
  addon: TorchAddon,
  y: TensorInfo,
  bias: TensorInfo | undefined,
  preluWeights: TensorInfo | undefined,
  attrs: NamedAttrMap,
): TensorInfo {
  const ops = opCodes(addon);
  const step = (next: (h: number) => number): void => {
    const r = backend.output(next(backend.handle(y)));
    backend.disposeIntermediateTensorInfo(y);
    y = r;
  };
  if (bias) step((h) => addon.binary(ops.binary('Add'), h, backend.handle(bias), code(y.dtype)));
  const activation = stringAttr(attrs, 'activation', 'linear');
  switch (activation) {
    case 'linear':
      break;
    case 'relu':
    case 'relu6':
    case 'elu':
    case 'sigmoid': {
      const name = { relu: 'Relu', relu6: 'Relu6', elu: 'Elu', sigmoid: 'Sigmoid' }[activation];
      step((h) => addon.unary(ops.unary(name), h, code(y.dtype)));
      break;
    }
    case 'leakyrelu':
      step((h) => addon.unaryParam('LeakyRelu', h, numberAttr(attrs, 'leakyreluAlpha', 0.2), 0, code('float32')));
      break;
    case 'prelu':
      if (!preluWeights) throw new Error('prelu activation needs preluActivationWeights');
      step((h) => addon.binary(ops.binary('Prelu'), h, backend.handle(preluWeights), code('float32')));
      break;
    default:
      throw new Error(`unsupported fused activation '${activation}'`);
  }
  return y;
}

export function matmulKernels(addon: TorchAddon): KernelConfig[] {
  const product = (backend: TorchBackend, a: TensorInfo, b: TensorInfo, attrs: NamedAttrMap): TensorInfo =>
    backend.output(addon.matmul(backend.handle(a), backend.handle(b), boolAttr(attrs, 'transposeA'), boolAttr(attrs, 'transposeB')));
  return [
    kernel('BatchMatMul', ({ inputs, backend, attrs }) => product(backend, input(inputs, 'a', 'BatchMatMul'), input(inputs, 'b', 'BatchMatMul'), attrs)),
    kernel('_FusedMatMul', ({ inputs, backend, attrs }) => {
      const y = product(backend, input(inputs, 'a', '_FusedMatMul'), input(inputs, 'b', '_FusedMatMul'), attrs);
      return biasAndActivation(backend, addon, y, inputs.bias, inputs.preluActivationWeights, attrs);
    }),
  ];
}
