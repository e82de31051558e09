// Every native torch kernel, built from the addon's op tables.
import type { KernelConfig } from '@tensorflow/tfjs-core';

import type { TorchAddon } from '../addon.js';
import { convKernels } from './conv.js';
import { binaryKernels, otherElementwiseKernels, unaryKernels } from './elementwise.js';
import { fusedKernels } from './fused.js';
import { gatherKernels } from './gather.js';
import { matmulKernels } from './matmul.js';
import { reduceKernels } from './reduce.js';
import { shapeKernels } from './shape.js';

export function nativeKernels(addon: TorchAddon): KernelConfig[] {
  return [
    ...unaryKernels(addon),
    ...binaryKernels(addon),
    ...otherElementwiseKernels(addon),
    ...reduceKernels(addon),
    ...shapeKernels(addon),
    ...gatherKernels(addon),
    ...matmulKernels(addon),
    ...convKernels(addon),
    ...fusedKernels(addon),
  ];
}
