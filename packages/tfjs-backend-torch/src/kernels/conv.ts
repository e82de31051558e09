// Convolutions in tfjs layouts (NHWC / NDHWC filters [k..., in, out]) on libtorch's channels-first kernels.
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';

import type { ConvArgs, TorchAddon } from '../addon.js';
import { biasAndActivation } from './matmul.js';
import { input, kernel, numbersAttr, stringAttr } from './kernel.js';

type Pad = 'valid' | 'same' | number | backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

const pair = (attrs: NamedAttrMap, name: string, fallback: number): [number, number] => {
  const v = attrs[name] == null ? [fallback] : numbersAttr(attrs, name);
  return v.length === 1 ? [v[0], v[0]] : [v[0], v[1]];
};
const triple = (attrs: NamedAttrMap, name: string, fallback: number): [number, number, number] => {
  const v = attrs[name] == null ? [fallback] : numbersAttr(attrs, name);
  return v.length === 1 ? [v[0], v[0], v[0]] : [v[0], v[1], v[2]];
};

/** 2-D conv info -> the addon's (strides, padBefore, padAfter, dilations, depthwise, channelsLast). */
function conv2dArgs(xShape: number[], filterShape: number[], attrs: NamedAttrMap, depthwise: boolean): ConvArgs {
  const dataFormat = stringAttr(attrs, 'dataFormat', 'NHWC') as 'NHWC' | 'NCHW';
  const info = backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    pair(attrs, 'strides', 1),
    pair(attrs, 'dilations', 1),
    attrs.pad as Pad,
    attrs.dimRoundingMode as Rounding,
    depthwise,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
  const p = info.padInfo;
  return [[info.strideHeight, info.strideWidth], [p.top, p.left], [p.bottom, p.right], [info.dilationHeight, info.dilationWidth], depthwise, info.dataFormat === 'channelsLast'];
}

function conv3dArgs(xShape: number[], filterShape: number[], attrs: NamedAttrMap): ConvArgs {
  const dataFormat = stringAttr(attrs, 'dataFormat', 'NDHWC') as 'NDHWC' | 'NCDHW';
  const info = backend_util.computeConv3DInfo(
    xShape as [number, number, number, number, number],
    filterShape as [number, number, number, number, number],
    triple(attrs, 'strides', 1),
    triple(attrs, 'dilations', 1),
    attrs.pad as 'valid' | 'same',
    false,
    dataFormat === 'NDHWC' ? 'channelsLast' : 'channelsFirst',
  );
  const p = info.padInfo;
  return [
    [info.strideDepth, info.strideHeight, info.strideWidth],
    [p.front, p.top, p.left],
    [p.back, p.bottom, p.right],
    [info.dilationDepth, info.dilationHeight, info.dilationWidth],
    false,
    info.dataFormat === 'channelsLast',
  ];
}

export function convKernels(addon: TorchAddon): KernelConfig[] {
  const forward = (name: string, depthwise: boolean, rank3 = false) =>
    kernel(name, ({ inputs, backend, attrs }) => {
      const x = input(inputs, 'x', name);
      const filter = input(inputs, 'filter', name);
      const args = rank3 ? conv3dArgs(x.shape, filter.shape, attrs) : conv2dArgs(x.shape, filter.shape, attrs, depthwise);
      const y: TensorInfo = backend.output(addon.conv(backend.handle(x), backend.handle(filter), ...args));
      if (name.startsWith('Fused')) return biasAndActivation(backend, addon, y, inputs.bias, inputs.preluActivationWeights, attrs);
      return y;
    });
  const backpropInput = (name: string, depthwise: boolean, rank3 = false) =>
    kernel(name, ({ inputs, backend, attrs }) => {
      const dy = input(inputs, 'dy', name);
      const filter = input(inputs, 'filter', name);
      const inputShape = numbersAttr(attrs, 'inputShape');
      const args = rank3 ? conv3dArgs(inputShape, filter.shape, attrs) : conv2dArgs(inputShape, filter.shape, attrs, depthwise);
      return backend.output(addon.convBackpropInput(backend.handle(dy), backend.handle(filter), inputShape, ...args));
    });
  const backpropFilter = (name: string, depthwise: boolean, rank3 = false) =>
    kernel(name, ({ inputs, backend, attrs }) => {
      const x = input(inputs, 'x', name);
      const dy = input(inputs, 'dy', name);
      const filterShape = numbersAttr(attrs, 'filterShape');
      const args = rank3 ? conv3dArgs(x.shape, filterShape, attrs) : conv2dArgs(x.shape, filterShape, attrs, depthwise);
      return backend.output(addon.convBackpropFilter(backend.handle(x), backend.handle(dy), filterShape, ...args));
    });
  return [
    forward('Conv2D', false),
    forward('FusedConv2D', false),
    forward('DepthwiseConv2dNative', true),
    forward('FusedDepthwiseConv2D', true),
    forward('Conv3D', false, true),
    backpropInput('Conv2DBackpropInput', false),
    backpropInput('DepthwiseConv2dNativeBackpropInput', true),
    backpropInput('Conv3DBackpropInputV2', false, true),
    backpropFilter('Conv2DBackpropFilter', false),
    backpropFilter('DepthwiseConv2dNativeBackpropFilter', true),
    backpropFilter('Conv3DBackpropFilterV2', false, true),
  ];
}
