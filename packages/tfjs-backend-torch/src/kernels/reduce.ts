// Reductions, arg-min/max, softmax and cumulative kernels.
import type { DataType, KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { upcastType, util } from '@tensorflow/tfjs-core';

import type { TorchAddon } from '../addon.js';
import type { TorchBackend } from '../backend.js';
import { boolAttr, code, input, kernel, numberAttr } from './kernel.js';

function reduceDType(name: string, x: TensorInfo): DataType {
  if (name === 'Mean') return 'float32';
  if (name === 'Sum' || name === 'Prod') return upcastType(x.dtype, 'int32');
  return x.dtype;
}

function axesAttr(attrs: NamedAttrMap): number | number[] | null {
  const v = attrs.axis ?? attrs.reductionIndices;
  if (v == null) return null;
  return typeof v === 'number' ? v : (v as number[]);
}

export function reduceKernels(addon: TorchAddon): KernelConfig[] {
  const reductions = addon.reduceOps().map((name, opCode) =>
    kernel(name, ({ inputs, backend, attrs }) => {
      const x = input(inputs, 'x', name);
      const axes = util.parseAxisParam(axesAttr(attrs) ?? x.shape.map((_, i) => i), x.shape);
      const keepDims = boolAttr(attrs, 'keepDims');
      const dtype = reduceDType(name, x);
      if (axes.length === 0) return identity(backend, addon, x, dtype);
      return backend.output(addon.reduce(opCode, backend.handle(x), axes, keepDims, code(dtype)));
    }),
  );
  const argMinMax = (name: 'ArgMax' | 'ArgMin') =>
    kernel(name, ({ inputs, backend, attrs }) => {
      const x = input(inputs, 'x', name);
      const [axis] = util.parseAxisParam(numberAttr(attrs, 'axis', 0), x.shape);
      return backend.output(addon.argMinMax(name === 'ArgMax', backend.handle(x), axis));
    });
  const softmax = (name: 'Softmax' | 'LogSoftmax') =>
    kernel(name, ({ inputs, backend, attrs }) => {
      const x = inputs.logits ?? input(inputs, 'x', name);
      const dim = numberAttr(attrs, name === 'Softmax' ? 'dim' : 'axis', -1);
      const [axis] = util.parseAxisParam(dim, x.shape);
      return backend.output(addon.softmax(backend.handle(x), axis, name === 'LogSoftmax'));
    });
  const cumulative = (name: 'Cumsum' | 'Cumprod') =>
    kernel(name, ({ inputs, backend, attrs }) => {
      const x = input(inputs, 'x', name);
      const [axis] = util.parseAxisParam(numberAttr(attrs, 'axis', 0), x.shape);
      const y = backend.output(addon.cumulative(name === 'Cumprod', backend.handle(x), axis, boolAttr(attrs, 'exclusive'), boolAttr(attrs, 'reverse')));
      return y;
    });
  return [...reductions, argMinMax('ArgMax'), argMinMax('ArgMin'), softmax('Softmax'), softmax('LogSoftmax'), cumulative('Cumsum'), cumulative('Cumprod')];
}

/** A reduction over no axes: the input itself, in the reduction's dtype. */
function identity(backend: TorchBackend, addon: TorchAddon, x: TensorInfo, dtype: DataType): TensorInfo {
  if (dtype === x.dtype) return backend.shareData(x);
  return backend.output(addon.cast(backend.handle(x), code(dtype)));
}
