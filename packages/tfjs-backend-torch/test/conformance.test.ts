// One kernel suite, two backends: every case runs on tfjs's cpu backend and on torch with the same inputs, and the
// outputs (values, shapes, dtypes), the gradients w.r.t. float inputs and the tensor counts must agree.
import * as tf from '@tensorflow/tfjs';
import { describe, it } from 'vitest';

import { compareCase, SKIP_REASON, torch } from './harness.js';
import type { Case, InputSpec, Kind } from './harness.js';

const f = (shape: number[], kind: Kind = 'float'): InputSpec => ({ shape, kind });
const i32 = (shape: number[], kind: Kind = 'int'): InputSpec => ({ shape, kind, dtype: 'int32' });
const b = (shape: number[]): InputSpec => ({ shape, kind: 'bool' });

const UNARY_SHAPES = [[], [5], [2, 3], [0], [2, 0, 3]];
const unary: Array<[string, (x: tf.Tensor) => tf.Tensor, Kind?]> = [
  ['abs', tf.abs], ['acos', tf.acos, 'unit'], ['acosh', (x) => tf.acosh(tf.add(x, 1)), 'positive'], ['asin', tf.asin, 'unit'],
  ['asinh', tf.asinh], ['atan', tf.atan], ['atanh', tf.atanh, 'unit'], ['ceil', tf.ceil], ['cos', tf.cos], ['cosh', tf.cosh],
  ['elu', tf.elu], ['erf', tf.erf], ['exp', tf.exp], ['expm1', tf.expm1], ['floor', tf.floor], ['isFinite', tf.isFinite],
  ['isInf', tf.isInf], ['isNaN', tf.isNaN], ['log', tf.log, 'positive'], ['log1p', tf.log1p, 'positive'], ['neg', tf.neg],
  ['reciprocal', tf.reciprocal, 'nonzero'], ['relu', tf.relu], ['relu6', (x) => tf.relu6(tf.mul(x, 4))], ['round', (x) => tf.round(tf.mul(x, 2.5))],
  ['rsqrt', tf.rsqrt, 'positive'], ['selu', tf.selu], ['sigmoid', tf.sigmoid], ['sign', tf.sign], ['sin', tf.sin], ['sinh', tf.sinh],
  ['softplus', tf.softplus], ['sqrt', tf.sqrt, 'positive'], ['square', tf.square], ['tan', tf.tan, 'unit'], ['tanh', tf.tanh],
  ['zerosLike', tf.zerosLike], ['onesLike', tf.onesLike], ['leakyRelu', (x) => tf.leakyRelu(x, 0.3)], ['step', (x) => tf.step(x, 0.1)],
  ['clipByValue', (x) => tf.clipByValue(x, -0.5, 0.7)], ['logSigmoid', tf.logSigmoid], ['softmax', (x) => tf.softmax(x.rank ? x : x.reshape([1]))],
  ['logSoftmax', (x) => tf.logSoftmax(x.rank ? x : x.reshape([1]))], ['clone', tf.clone], ['logicalNot', (x) => tf.logicalNot(tf.greater(x, 0))],
];

const BINARY_SHAPES: Array<[number[], number[]]> = [[[2, 3], [2, 3]], [[2, 3], [3]], [[4, 1, 3], [2, 1]], [[], [2, 2]], [[2, 2], []], [[0, 3], [3]], [[2, 0], [1]]];
const binary: Array<[string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, Kind?, Kind?]> = [
  ['add', tf.add], ['sub', tf.sub], ['mul', tf.mul], ['div', tf.div, 'float', 'nonzero'], ['divNoNan', tf.divNoNan],
  ['floorDiv', tf.floorDiv, 'float', 'nonzero'], ['pow', tf.pow, 'positive'], ['maximum', tf.maximum], ['minimum', tf.minimum],
  ['mod', tf.mod, 'float', 'nonzero'], ['squaredDifference', tf.squaredDifference], ['atan2', tf.atan2], ['equal', tf.equal],
  ['notEqual', tf.notEqual], ['less', tf.less], ['lessEqual', tf.lessEqual], ['greater', tf.greater], ['greaterEqual', tf.greaterEqual],
  ['prelu', (x, alpha) => tf.prelu(x, alpha as tf.Tensor1D)], ['logicalAnd', (a, c) => tf.logicalAnd(tf.greater(a, 0), tf.greater(c, 0))],
  ['logicalOr', (a, c) => tf.logicalOr(tf.greater(a, 0), tf.greater(c, 0))], ['logicalXor', (a, c) => tf.logicalXor(tf.greater(a, 0), tf.greater(c, 0))],
];

const cases: Case[] = [
  ...unary.flatMap(([name, fn, kind]) => UNARY_SHAPES.map((s) => ({ name: `${name} [${s}]`, inputs: [f(s, kind)], fn }))),
  ...unary
    .filter(([name]) => ['abs', 'neg', 'square', 'relu', 'sign', 'zerosLike', 'onesLike', 'clone', 'floor', 'ceil', 'round', 'exp', 'sqrt'].includes(name))
    .map(([name, fn]) => ({ name: `${name} int32`, inputs: [i32([2, 3], { values: [1, -2, 3, 0, 5, -7] })], fn })),
  ...binary.flatMap(([name, fn, ka, kb]) =>
    BINARY_SHAPES.map(([sa, sb]) => ({ name: `${name} [${sa}]×[${sb}]`, inputs: [f(sa, ka), f(sb, kb)], fn })),
  ),
  ...['add', 'sub', 'mul', 'floorDiv', 'maximum', 'minimum', 'mod', 'equal', 'less', 'squaredDifference'].map((name) => {
    const fn = binary.find(([n]) => n === name)![1];
    return { name: `${name} int32`, inputs: [i32([2, 3]), i32([3], { values: [3, -2, 5] })], fn };
  }),
  { name: 'pow int32', inputs: [i32([4], { values: [2, 3, -2, 5] }), i32([4], { values: [3, 2, 3, 0] })], fn: tf.pow },
  { name: 'addN', inputs: [f([2, 3]), f([2, 3]), f([2, 3])], fn: (a, c, d) => tf.addN([a, c, d]) },
  // reductions
  ...(['sum', 'mean', 'max', 'min', 'prod', 'logSumExp'] as const).flatMap((op) =>
    ([[[2, 3, 4], null, false], [[2, 3, 4], 1, true], [[2, 3, 4], [0, 2], false], [[5], -1, false], [[], null, false], [[3, 0], 1, false], [[2, 3], [], false]] as const).map(
      ([shape, axis, keep]) => ({
        name: `${op} [${shape}] axis ${JSON.stringify(axis)}${keep ? ' keepDims' : ''}`,
        inputs: [f([...shape], op === 'prod' ? 'unit' : 'float')],
        fn: (x: tf.Tensor) => tf[op](x, axis === null ? undefined : (axis as number | number[]), keep),
        grad: !(op === 'max' || op === 'min') || shape.length > 0,
      }),
    ),
  ),
  { name: 'sum int32', inputs: [i32([3, 4])], fn: (x) => tf.sum(x, 1) },
  { name: 'sum bool', inputs: [b([3, 4])], fn: (x) => tf.sum(x, 0) },
  { name: 'mean int32', inputs: [i32([3, 4])], fn: (x) => tf.mean(x) },
  { name: 'max int32', inputs: [i32([3, 4])], fn: (x) => tf.max(x, 0) },
  { name: 'all/any', inputs: [b([3, 4])], fn: (x) => [tf.all(x, 1), tf.any(x, 0), tf.all(x), tf.any(x, [0, 1], true)] },
  { name: 'argMax/argMin', inputs: [f([3, 4, 5])], fn: (x) => [tf.argMax(x, 1), tf.argMin(x, -1), tf.argMax(x.reshape([60]))] },
  { name: 'cumsum', inputs: [f([3, 4])], fn: (x) => [tf.cumsum(x, 1), tf.cumsum(x, 0, true), tf.cumsum(x, 1, false, true), tf.cumsum(x, 1, true, true)] },
  { name: 'cumsum int32', inputs: [i32([6])], fn: (x) => tf.cumsum(x) },
  { name: 'cumprod', inputs: [f([3, 4], 'unit')], fn: (x) => [tf.cumprod(x, 1), tf.cumprod(x, 0, true, true)], grad: false },
  { name: 'moments', inputs: [f([4, 6])], fn: (x) => { const m = tf.moments(x, -1, true); return [m.mean, m.variance]; } },
  { name: 'norm', inputs: [f([4, 6])], fn: (x) => [tf.norm(x), tf.norm(x, 2, 1), tf.norm(x, 1, 0)] },
  // matmul
  ...([[[3, 4], [4, 5], false, false], [[4, 3], [4, 5], true, false], [[3, 4], [5, 4], false, true], [[2, 3, 4], [2, 4, 5], false, false],
    [[2, 3, 4], [4, 5], false, false], [[1, 3, 4], [2, 4, 5], false, false], [[0, 4], [4, 3], false, false], [[3, 0], [0, 2], false, false]] as const).map(
    ([sa, sb, ta, tb]) => ({ name: `matMul [${sa}]${ta ? 'ᵀ' : ''}×[${sb}]${tb ? 'ᵀ' : ''}`, inputs: [f([...sa]), f([...sb])], fn: (a: tf.Tensor, c: tf.Tensor) => tf.matMul(a, c, ta, tb) }),
  ),
  { name: 'matMul int32', inputs: [i32([2, 3]), i32([3, 2])], fn: (a, c) => tf.matMul(a, c) },
  { name: 'fused matMul bias relu', inputs: [f([3, 4]), f([4, 5]), f([5])], fn: (a, c, d) => tf.fused.matMul({ a, b: c, bias: d, activation: 'relu' }) },
  { name: 'dot / outerProduct', inputs: [f([4]), f([4])], fn: (a, c) => [tf.dot(a, c), tf.outerProduct(a as tf.Tensor1D, c as tf.Tensor1D)] },
  { name: 'einsum', inputs: [f([2, 3, 4]), f([2, 4, 5])], fn: (a, c) => tf.einsum('bij,bjk->bik', a, c), grad: false },
  // shape
  { name: 'reshape / expandDims / squeeze', inputs: [f([2, 1, 3])], fn: (x) => [x.reshape([3, 2]), x.reshape([-1]), tf.expandDims(x, 0), tf.expandDims(x, -1), tf.squeeze(x), tf.squeeze(x, [1])] },
  { name: 'transpose', inputs: [f([2, 3, 4])], fn: (x) => [tf.transpose(x), tf.transpose(x, [1, 0, 2]), tf.transpose(x, [0, 2, 1]).add(1)] },
  { name: 'transpose then reshape', inputs: [f([2, 3, 4])], fn: (x) => tf.transpose(x, [2, 0, 1]).reshape([4, 6]).matMul(tf.ones([6, 2])) },
  { name: 'slice', inputs: [f([4, 5, 3])], fn: (x) => [tf.slice(x, [1, 0, 1], [2, -1, 1]), tf.slice(x, [0], [1]), tf.slice(x, [3, 4, 2], [1, 1, 1]), tf.slice(x, [2, 0, 0], [0, 5, 3])] },
  {
    name: 'stridedSlice',
    inputs: [f([6, 5, 4])],
    fn: (x) => [
      tf.stridedSlice(x, [1, 0, 0], [5, 5, 4], [2, 1, 1]),
      tf.stridedSlice(x, [5, 4, 3], [0, 0, 0], [-2, -1, -3]),
      tf.stridedSlice(x, [0, 1], [0, 4], [1, 1], 1, 1),
      tf.stridedSlice(x, [2], [3], [1], 0, 0, 0, 0, 1),
      tf.stridedSlice(x, [0, 0, 0], [6, 5, 4], [1, 1, 1]),
    ],
  },
  { name: 'concat', inputs: [f([2, 3]), f([2, 1]), f([2, 0])], fn: (a, c, d) => [tf.concat([a, c, d], 1), tf.concat([a, a], 0), tf.concat([a], 1)] },
  { name: 'concat mixed dtypes and empty', inputs: [i32([2, 2]), f([0, 2])], fn: (a, c) => [tf.concat([a, a], -1), tf.concat([c, c], 0)], grad: false },
  { name: 'stack / unstack', inputs: [f([2, 3]), f([2, 3])], fn: (a, c) => [tf.stack([a, c]), tf.stack([a, c], 2), ...tf.unstack(a, 1)] },
  { name: 'split', inputs: [f([4, 6])], fn: (x) => [...tf.split(x, 3, 1), ...tf.split(x, [1, 3], 0), ...tf.split(x, [2, -1], 1)] },
  { name: 'tile', inputs: [f([2, 3])], fn: (x) => [tf.tile(x, [2, 3]), tf.tile(x, [1, 1]), tf.tile(x.reshape([6]), [0])] },
  { name: 'pad', inputs: [f([2, 3])], fn: (x) => [tf.pad(x, [[1, 2], [0, 3]]), tf.pad(x, [[0, 0], [2, 0]], 7)] },
  { name: 'reverse', inputs: [f([2, 3, 4])], fn: (x) => [tf.reverse(x), tf.reverse(x, 1), tf.reverse(x, [0, 2])] },
  { name: 'broadcastTo', inputs: [f([3, 1])], fn: (x) => [tf.broadcastTo(x, [2, 3, 4]), tf.broadcastTo(x, [3, 1])] },
  { name: 'mirrorPad (cpu fallback)', inputs: [f([3, 4])], fn: (x) => tf.mirrorPad(x, [[1, 1], [2, 2]], 'reflect') },
  // creation
  { name: 'fill / zeros / ones / eye', inputs: [], fn: () => [tf.fill([2, 3], 1.5), tf.fill([2], 4, 'int32'), tf.zeros([0, 2]), tf.ones([3], 'bool'), tf.eye(3), tf.scalar(3)] },
  { name: 'range / linspace', inputs: [], fn: () => [tf.range(0, 10, 3), tf.range(5, 0), tf.range(0, -2.5, 1), tf.range(1, 4, 1, 'int32'), tf.range(0, 1, 0.25), tf.range(3, 3), tf.linspace(0, 1, 5)] },
  { name: 'cast', inputs: [f([6])], fn: (x) => [tf.cast(x, 'int32'), tf.cast(x, 'bool'), tf.cast(tf.cast(x, 'int32'), 'float32'), tf.cast(tf.cast(x, 'bool'), 'int32'), tf.cast(x, 'float32')] },
  // indexing
  { name: 'gather axis 0', inputs: [f([5, 3]), i32([4], { index: 5 })], fn: (x, i) => tf.gather(x, i) },
  { name: 'gather axis 1 with 2-d indices', inputs: [f([2, 5, 3]), i32([2, 2], { index: 5 })], fn: (x, i) => tf.gather(x, i, 1) },
  { name: 'gather batchDims 1', inputs: [f([2, 5, 3]), i32([2, 4], { index: 5 })], fn: (x, i) => tf.gather(x, i, 1, 1) },
  { name: 'gather scalar index / empty indices', inputs: [f([4, 2]), i32([], { index: 4 }), i32([0], { index: 4 })], fn: (x, i, e) => [tf.gather(x, i), tf.gather(x, e)] },
  { name: 'gather int32 params', inputs: [i32([5]), i32([3], { index: 5 })], fn: (x, i) => tf.gather(x, i) },
  { name: 'gatherND', inputs: [f([4, 3, 2]), i32([5, 2], { index: 3 })], fn: (x, i) => tf.gatherND(x, i), grad: false },
  { name: 'scatterND', inputs: [i32([4, 1], { values: [0, 2, 2, 3] }), f([4, 3])], fn: (i, u) => tf.scatterND(i, u, [5, 3]), grad: false },
  { name: 'tensorScatterUpdate', inputs: [f([5, 3]), i32([2, 1], { values: [4, 1] }), f([2, 3])], fn: (t, i, u) => tf.tensorScatterUpdate(t, i, u), grad: false },
  { name: 'unsortedSegmentSum', inputs: [f([6, 3]), i32([6], { index: 4 })], fn: (x, i) => tf.unsortedSegmentSum(x, i as tf.Tensor1D, 4) },
  { name: 'oneHot', inputs: [i32([5], { values: [0, 3, -1, 7, 2] })], fn: (i) => [tf.oneHot(i, 4), tf.oneHot(i, 3, 5, -1, 'float32'), tf.oneHot(i.reshape([5, 1]), 2)] },
  { name: 'where (select)', inputs: [b([2, 3]), f([2, 3]), f([2, 3])], fn: (c, a, d) => tf.where(c, a, d) },
  { name: 'where broadcast', inputs: [b([3]), f([2, 3]), f([])], fn: (c, a, d) => tf.where(c, a, d) },
  { name: 'topk', inputs: [f([3, 6])], fn: (x) => { const r = tf.topk(x, 3); return [r.values, r.indices]; } },
  { name: 'topk int32 k=1', inputs: [i32([2, 5], { values: [5, 1, 9, 3, 7, 2, 8, 4, 6, 0] })], fn: (x) => { const r = tf.topk(x, 1); return [r.values, r.indices]; } },
  { name: 'searchSorted', inputs: [f([2, 5], { values: [0, 1, 2, 3, 4, 1, 3, 5, 7, 9] }), f([2, 3], { values: [0.5, 3, 10, -1, 3, 8] })], fn: (s, v) => [tf.searchSorted(s, v), tf.searchSorted(s, v, 'right')], grad: false },
  { name: 'bandPart', inputs: [f([2, 4, 5])], fn: (x) => [tf.linalg.bandPart(x, 1, 2), tf.linalg.bandPart(x, -1, 0), tf.linalg.bandPart(x, 0, -1)], grad: false },
  // convolutions (NHWC)
  { name: 'conv2d same stride 1', inputs: [f([2, 5, 5, 3]), f([3, 3, 3, 4])], fn: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same') },
  { name: 'conv2d valid stride 2 dilation', inputs: [f([1, 7, 6, 2]), f([2, 2, 2, 3])], fn: (x, w) => [tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'valid'), tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid', 'NHWC', 2)] },
  { name: 'conv2d same stride 2 (asymmetric pad)', inputs: [f([1, 6, 6, 2]), f([3, 3, 2, 2])], fn: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same') },
  { name: 'conv2d explicit pad', inputs: [f([1, 4, 4, 1]), f([2, 2, 1, 2])], fn: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, [[0, 0], [1, 0], [0, 2], [0, 0]]) },
  { name: 'conv1d', inputs: [f([2, 9, 3]), f([3, 3, 4])], fn: (x, w) => [tf.conv1d(x as tf.Tensor3D, w as tf.Tensor3D, 1, 'same'), tf.conv1d(x as tf.Tensor3D, w as tf.Tensor3D, 2, 'valid')] },
  { name: 'depthwiseConv2d', inputs: [f([1, 5, 5, 2]), f([3, 3, 2, 2])], fn: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same') },
  { name: 'conv3d', inputs: [f([1, 4, 4, 4, 2]), f([2, 2, 2, 2, 3])], fn: (x, w) => tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, 1, 'same') },
  { name: 'conv2dTranspose', inputs: [f([1, 3, 3, 2]), f([2, 2, 4, 2])], fn: (x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [1, 6, 6, 4], 2, 'same') },
  // sampling-free random-adjacent ops and misc composites used by models
  { name: 'dropout (rate 0)', inputs: [f([3, 4])], fn: (x) => tf.dropout(x, 0) },
  { name: 'layer norm by moments', inputs: [f([2, 3, 8]), f([8]), f([8])], fn: (x, g, bb) => { const m = tf.moments(x, -1, true); return tf.add(tf.mul(tf.div(tf.sub(x, m.mean), tf.sqrt(tf.add(m.variance, 1e-5))), g), bb); } },
  { name: 'gelu (tanh form)', inputs: [f([4, 5])], fn: (x) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))))))) },
  { name: 'attention by ops', inputs: [f([2, 2, 3, 4]), f([2, 2, 5, 4]), f([2, 2, 5, 4])], fn: (q, k, v) => tf.matMul(tf.softmax(tf.mul(tf.matMul(q, k, false, true), 0.5)), v) },
  { name: 'cross-entropy by ops', inputs: [f([4, 7]), i32([4], { index: 7 })], fn: (l, y) => tf.losses.softmaxCrossEntropy(tf.oneHot(y, 7), l) },
];

describe.skipIf(!torch.available)('torch matches cpu', () => {
  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
    await compareCase(c, i);
  });
});

describe.runIf(!torch.available)('torch backend not built', () => {
  it.skip(SKIP_REASON, () => undefined);
});
