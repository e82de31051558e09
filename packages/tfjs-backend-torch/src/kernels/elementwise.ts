// Unary and binary elementwise kernels (broadcasting in libtorch), with tfjs-backend-cpu's output dtypes.
import type { DataType, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { upcastType } from '@tensorflow/tfjs-core';

import type { TorchAddon } from '../addon.js';
import { code, input, inputList, kernel, numberAttr, stringAttr } from './kernel.js';

const FLOAT_OUT = new Set(['Exp']);
const BOOL_OUT = new Set(['IsFinite', 'IsInf', 'IsNan', 'LogicalNot']);

function unaryDType(name: string, x: TensorInfo): DataType {
  if (FLOAT_OUT.has(name)) return 'float32';
  if (BOOL_OUT.has(name)) return 'bool';
  return x.dtype;
}

const BOOL_BINARY = new Set(['Equal', 'NotEqual', 'Less', 'LessEqual', 'Greater', 'GreaterEqual', 'LogicalAnd', 'LogicalOr', 'LogicalXor']);

function binaryDType(name: string, a: TensorInfo, b: TensorInfo): DataType {
  if (BOOL_BINARY.has(name)) return 'bool';
  if (name === 'FloorDiv') return 'int32';
  if (name === 'Prelu' || name === 'DivNoNan') return 'float32';
  if (name === 'EluGrad') return a.dtype;
  return upcastType(a.dtype, b.dtype);
}

/** Unary kernels, one per name the addon lists (Identity shares the input's data instead). */
export function unaryKernels(addon: TorchAddon): KernelConfig[] {
  return addon.unaryOps().flatMap((name, opCode) => {
    if (name === 'Identity') return [kernel(name, ({ inputs, backend }) => backend.shareData(input(inputs, 'x', name)))];
    return [
      kernel(name, ({ inputs, backend }) => {
        const x = input(inputs, 'x', name);
        return backend.output(addon.unary(opCode, backend.handle(x), code(unaryDType(name, x))));
      }),
    ];
  });
}

/** Binary kernels with broadcasting; Prelu names its inputs x/alpha and EluGrad dy/y. */
export function binaryKernels(addon: TorchAddon): KernelConfig[] {
  const names: Record<string, [string, string]> = { Prelu: ['x', 'alpha'], EluGrad: ['dy', 'y'] };
  return addon.binaryOps().map((name, opCode) =>
    kernel(name, ({ inputs, backend }) => {
      const [an, bn] = names[name] ?? ['a', 'b'];
      const a = input(inputs, an, name);
      const b = input(inputs, bn, name);
      return backend.output(addon.binary(opCode, backend.handle(a), backend.handle(b), code(binaryDType(name, a, b))));
    }),
  );
}

export function otherElementwiseKernels(addon: TorchAddon): KernelConfig[] {
  return [
    kernel('LeakyRelu', ({ inputs, backend, attrs }) =>
      backend.output(addon.unaryParam('LeakyRelu', backend.handle(input(inputs, 'x', 'LeakyRelu')), numberAttr(attrs, 'alpha'), 0, code('float32'))),
    ),
    kernel('Step', ({ inputs, backend, attrs }) => {
      const x = input(inputs, 'x', 'Step');
      return backend.output(addon.unaryParam('Step', backend.handle(x), numberAttr(attrs, 'alpha', 0), 0, code(x.dtype)));
    }),
    kernel('ClipByValue', ({ inputs, backend, attrs }) => {
      const x = input(inputs, 'x', 'ClipByValue');
      const lo = numberAttr(attrs, 'clipValueMin');
      const hi = numberAttr(attrs, 'clipValueMax');
      return backend.output(addon.unaryParam('ClipByValue', backend.handle(x), lo, hi, code(x.dtype)));
    }),
    kernel('AddN', ({ inputs, backend }) => {
      const xs = inputList(inputs);
      if (xs.length === 1) return backend.shareData(xs[0]);
      return backend.output(addon.addN(xs.map((t) => backend.handle(t))));
    }),
    kernel('Cast', ({ inputs, backend, attrs }) => {
      const x = input(inputs, 'x', 'Cast');
      const dtype = stringAttr(attrs, 'dtype') as DataType;
      if (dtype === x.dtype) return backend.shareData(x);
      // float32 -> int32/bool and int32 -> bool change values; int32/bool -> float32 and bool -> int32 do not,
      // but the stored type differs, so every cast is a native conversion.
      return backend.output(addon.cast(backend.handle(x), code(dtype)));
    }),
  ];
}
