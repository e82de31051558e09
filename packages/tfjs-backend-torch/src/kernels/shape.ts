// Layout kernels: reshape, transpose, slicing, concatenation, padding, tiling; and tensor creation.
import type { DataType, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { backend_util, slice_util, util } from '@tensorflow/tfjs-core';

import type { TorchAddon } from '../addon.js';
import type { TorchBackend } from '../backend.js';
import { code, input, inputList, kernel, numberAttr, numbersAttr, stringAttr } from './kernel.js';

/**
 * A reshape: metadata only. The output shares the input's data with the new shape (no addon call); a kernel that
 * consumes it gets a native view with that shape (TorchBackend.handle).
 */
export function reshape(backend: TorchBackend, x: TensorInfo, shape: number[]): TensorInfo {
  const size = util.sizeFromShape(x.shape);
  const target = shape.indexOf(-1) >= 0 ? util.inferFromImplicitShape(shape, size) : shape;
  if (size !== util.sizeFromShape(target)) throw new Error(`new shape [${target}] and old shape [${x.shape}] must have the same number of elements`);
  return backend.shareData(x, target);
}

export function shapeKernels(addon: TorchAddon): KernelConfig[] {
  return [
    kernel('Reshape', ({ inputs, backend, attrs }) => reshape(backend, input(inputs, 'x', 'Reshape'), numbersAttr(attrs, 'shape'))),
    kernel('ExpandDims', ({ inputs, backend, attrs }) => {
      const x = input(inputs, 'input', 'ExpandDims');
      const rank = x.shape.length;
      let dim = numberAttr(attrs, 'dim');
      util.assert(dim <= rank, () => `Axis must be <= rank of the tensor`);
      if (dim < 0) dim = rank + dim + 1;
      const shape = x.shape.slice();
      shape.splice(dim, 0, 1);
      return reshape(backend, x, shape);
    }),
    kernel('Squeeze', ({ inputs, backend, attrs }) => {
      const x = input(inputs, 'x', 'Squeeze');
      const axis = attrs.axis == null ? [] : numbersAttr(attrs, 'axis');
      return reshape(backend, x, util.squeezeShape(x.shape, axis.length ? axis : undefined).newShape);
    }),
    kernel('Transpose', ({ inputs, backend, attrs }) => {
      const x = input(inputs, 'x', 'Transpose');
      const perm = numbersAttr(attrs, 'perm');
      if (perm.every((p, i) => p === i)) return backend.shareData(x);
      return backend.output(addon.transpose(backend.handle(x), perm));
    }),
    kernel('Slice', ({ inputs, backend, attrs }) => {
      const x = input(inputs, 'x', 'Slice');
      // begin and size may be numbers (first axis) and size may be absent (to the end), as tf.slice allows
      const size = attrs.size == null ? undefined : numbersAttr(attrs, 'size');
      const [begin, sizes] = slice_util.parseSliceParams(x as never, numbersAttr(attrs, 'begin'), size);
      slice_util.assertParamsValid(x as never, begin, sizes);
      return backend.output(addon.slice(backend.handle(x), begin, sizes));
    }),
    kernel('StridedSlice', ({ inputs, backend, attrs }) => {
      const x = input(inputs, 'x', 'StridedSlice');
      const info = slice_util.sliceInfo(
        x.shape,
        numbersAttr(attrs, 'begin'),
        numbersAttr(attrs, 'end'),
        numbersAttr(attrs, 'strides'),
        numberAttr(attrs, 'beginMask', 0),
        numberAttr(attrs, 'endMask', 0),
        numberAttr(attrs, 'ellipsisMask', 0),
        numberAttr(attrs, 'newAxisMask', 0),
        numberAttr(attrs, 'shrinkAxisMask', 0),
      );
      if (info.isIdentity) return reshape(backend, x, info.finalShape);
      return backend.output(addon.stridedSlice(backend.handle(x), info.begin, info.end, info.strides, info.finalShape));
    }),
    kernel('Concat', ({ inputs, backend, attrs }) => {
      const xs = inputList(inputs);
      const axis = util.parseAxisParam(numberAttr(attrs, 'axis'), xs[0].shape)[0];
      const shapes = xs.map((t) => t.shape);
      backend_util.assertParamsConsistent(shapes, axis);
      const outShape = backend_util.computeOutShape(shapes, axis);
      const nonEmpty = xs.filter((t) => util.sizeFromShape(t.shape) > 0);
      if (nonEmpty.length === 0 || util.sizeFromShape(outShape) === 0) return fill(backend, addon, outShape, 0, xs[0].dtype);
      if (nonEmpty.length === 1) return reshape(backend, nonEmpty[0], outShape);
      const dtype = nonEmpty.map((t) => t.dtype).reduce((a, b) => (a === b ? a : 'float32'));
      return cast(backend, addon, backend.output(addon.concat(nonEmpty.map((t) => backend.handle(t)), axis)), dtype);
    }),
    kernel('Pack', ({ inputs, backend, attrs }) => {
      const xs = inputList(inputs);
      const axis = numberAttr(attrs, 'axis', 0);
      const rank = xs[0].shape.length;
      return backend.output(addon.stack(xs.map((t) => backend.handle(t)), axis < 0 ? axis + rank + 1 : axis));
    }),
    kernel('Unpack', ({ inputs, backend, attrs }) => {
      const x = input(inputs, 'value', 'Unpack');
      const [axis] = util.parseAxisParam(numberAttr(attrs, 'axis', 0), x.shape);
      return backend.outputs(addon.unstack(backend.handle(x), axis));
    }),
    kernel('SplitV', ({ inputs, backend, attrs }) => {
      const x = input(inputs, 'x', 'SplitV');
      const [axis] = util.parseAxisParam(numberAttr(attrs, 'axis', 0), x.shape);
      const splits = attrs.numOrSizeSplits as number | number[];
      const sizes = backend_util.prepareSplitSize(x as never, splits, axis);
      return backend.outputs(addon.split(backend.handle(x), sizes, axis));
    }),
    kernel('Tile', ({ inputs, backend, attrs }) => backend.output(addon.tile(backend.handle(input(inputs, 'x', 'Tile')), numbersAttr(attrs, 'reps')))),
    kernel('PadV2', ({ inputs, backend, attrs }) => {
      const x = input(inputs, 'x', 'PadV2');
      const paddings = attrs.paddings as Array<[number, number]>;
      return backend.output(addon.pad(backend.handle(x), paddings.map((p) => p[0]), paddings.map((p) => p[1]), numberAttr(attrs, 'constantValue', 0)));
    }),
    kernel('Reverse', ({ inputs, backend, attrs }) => {
      const x = input(inputs, 'x', 'Reverse');
      const dims = attrs.dims == null ? null : numbersAttr(attrs, 'dims');
      return backend.output(addon.reverse(backend.handle(x), util.parseAxisParam(dims ?? x.shape.map((_, i) => i), x.shape)));
    }),
    kernel('BroadcastTo', ({ inputs, backend, attrs }) => backend.output(addon.broadcastTo(backend.handle(input(inputs, 'x', 'BroadcastTo')), numbersAttr(attrs, 'shape')))),
    kernel('Fill', ({ backend, attrs }) => {
      const dtype = stringAttr(attrs, 'dtype', 'float32') as DataType;
      const shape = numbersAttr(attrs, 'shape');
      const value = attrs.value;
      if (dtype === 'string') return backend.makeTensorInfo(shape, 'string', new Array<Uint8Array>(util.sizeFromShape(shape)).fill(util.encodeString(String(value))));
      return fill(backend, addon, shape, Number(value), dtype);
    }),
    kernel('Range', ({ backend, attrs }) => {
      const start = numberAttr(attrs, 'start');
      const stop = numberAttr(attrs, 'stop');
      const step = numberAttr(attrs, 'step', 1);
      const dtype = stringAttr(attrs, 'dtype', 'float32') as DataType;
      // tfjs-backend-cpu's rangeImpl: empty for a step pointing away from stop; step 1 counts down when stop < start
      const n = start === stop || (start < stop && step < 0) || (stop < start && step > 1) ? 0 : Math.abs(Math.ceil((stop - start) / step));
      return backend.output(addon.range(start, stop < start && step === 1 ? -1 : step, n, code(dtype)));
    }),
    kernel('LinSpace', ({ backend, attrs }) => backend.output(addon.linspace(numberAttr(attrs, 'start'), numberAttr(attrs, 'stop'), numberAttr(attrs, 'num')))),
    kernel('MatrixBandPart', ({ inputs, backend, attrs }) => {
      const x = input(inputs, 'input', 'MatrixBandPart');
      const lower = inputs.numLower != null ? backend.readSync(inputs.numLower.dataId)[0] : attrs.numLower;
      const upper = inputs.numUpper != null ? backend.readSync(inputs.numUpper.dataId)[0] : attrs.numUpper;
      return backend.output(addon.bandPart(backend.handle(x), Number(lower), Number(upper)));
    }),
    kernel('Einsum', ({ inputs, backend, attrs }) => backend.output(addon.einsum(stringAttr(attrs, 'equation'), inputList(inputs).map((t) => backend.handle(t))))),
  ];
}

export function fill(backend: TorchBackend, addon: TorchAddon, shape: number[], value: number, dtype: DataType): TensorInfo {
  return backend.output(addon.fill(shape, value, code(dtype)));
}

export function cast(backend: TorchBackend, addon: TorchAddon, x: TensorInfo, dtype: DataType): TensorInfo {
  if (x.dtype === dtype) return x;
  const y = backend.output(addon.cast(backend.handle(x), code(dtype)));
  backend.disposeIntermediateTensorInfo(x);
  return y;
}
