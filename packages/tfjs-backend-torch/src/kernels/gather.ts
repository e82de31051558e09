// Indexing kernels: gather/scatter, segment sums, one-hot, select, top-k, sampling.
import type { DataType, KernelConfig } from '@tensorflow/tfjs-core';
import { util } from '@tensorflow/tfjs-core';

import type { TorchAddon } from '../addon.js';
import { boolAttr, code, input, kernel, numberAttr, numbersAttr, stringAttr } from './kernel.js';

/** A tfjs seed attribute as the addon expects it: a non-negative integer, or -1 for "unseeded". */
export function seedArg(seed: unknown): number {
  return typeof seed === 'number' && Number.isFinite(seed) ? Math.abs(Math.trunc(seed)) % Number.MAX_SAFE_INTEGER : -1;
}

export function gatherKernels(addon: TorchAddon): KernelConfig[] {
  return [
    kernel('GatherV2', ({ inputs, backend, attrs }) => {
      const x = input(inputs, 'x', 'GatherV2');
      const indices = input(inputs, 'indices', 'GatherV2');
      const [axis] = util.parseAxisParam(numberAttr(attrs, 'axis', 0), x.shape);
      let batchDims = numberAttr(attrs, 'batchDims', 0);
      if (batchDims < 0) batchDims += indices.shape.length;
      return backend.output(addon.gather(backend.handle(x), backend.handle(indices), axis, batchDims));
    }),
    kernel('GatherNd', ({ inputs, backend }) =>
      backend.output(addon.gatherNd(backend.handle(input(inputs, 'params', 'GatherNd')), backend.handle(input(inputs, 'indices', 'GatherNd')))),
    ),
    kernel('ScatterNd', ({ inputs, backend, attrs }) =>
      backend.output(addon.scatterNd(backend.handle(input(inputs, 'indices', 'ScatterNd')), backend.handle(input(inputs, 'updates', 'ScatterNd')), numbersAttr(attrs, 'shape'))),
    ),
    kernel('TensorScatterUpdate', ({ inputs, backend }) =>
      backend.output(
        addon.tensorScatterUpdate(
          backend.handle(input(inputs, 'tensor', 'TensorScatterUpdate')),
          backend.handle(input(inputs, 'indices', 'TensorScatterUpdate')),
          backend.handle(input(inputs, 'updates', 'TensorScatterUpdate')),
        ),
      ),
    ),
    kernel('UnsortedSegmentSum', ({ inputs, backend, attrs }) =>
      backend.output(
        addon.unsortedSegmentSum(
          backend.handle(input(inputs, 'x', 'UnsortedSegmentSum')),
          backend.handle(input(inputs, 'segmentIds', 'UnsortedSegmentSum')),
          numberAttr(attrs, 'numSegments'),
        ),
      ),
    ),
    kernel('OneHot', ({ inputs, backend, attrs }) =>
      backend.output(
        addon.oneHot(
          backend.handle(input(inputs, 'indices', 'OneHot')),
          numberAttr(attrs, 'depth'),
          numberAttr(attrs, 'onValue', 1),
          numberAttr(attrs, 'offValue', 0),
          code(stringAttr(attrs, 'dtype', 'int32') as DataType),
        ),
      ),
    ),
    kernel('Select', ({ inputs, backend }) =>
      backend.output(
        addon.select(backend.handle(input(inputs, 'condition', 'Select')), backend.handle(input(inputs, 't', 'Select')), backend.handle(input(inputs, 'e', 'Select'))),
      ),
    ),
    kernel('TopK', ({ inputs, backend, attrs }) => backend.outputs(addon.topk(backend.handle(input(inputs, 'x', 'TopK')), numberAttr(attrs, 'k', 1), boolAttr(attrs, 'sorted', true)))),
    kernel('Multinomial', ({ inputs, backend, attrs }) =>
      backend.output(addon.multinomial(backend.handle(input(inputs, 'logits', 'Multinomial')), numberAttr(attrs, 'numSamples'), seedArg(attrs.seed), boolAttr(attrs, 'normalized'))),
    ),
    kernel('SearchSorted', ({ inputs, backend, attrs }) =>
      backend.output(
        addon.searchSorted(
          backend.handle(input(inputs, 'sortedSequence', 'SearchSorted')),
          backend.handle(input(inputs, 'values', 'SearchSorted')),
          stringAttr(attrs, 'side', 'left') === 'right',
        ),
      ),
    ),
  ];
}
