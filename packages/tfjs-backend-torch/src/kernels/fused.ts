// The fused lorats kernels of docs/fused-ops.md, and native random kernels.
import type { KernelConfig, NamedAttrMap } from '@tensorflow/tfjs-core';

import type { AttentionArgs, TorchAddon } from '../addon.js';
import { seedArg } from './gather.js';
import { boolAttr, input, kernel, numberAttr, numbersAttr, stringAttr } from './kernel.js';
import type { TorchKernelArgs } from './kernel.js';

/** `enableLora` (MergedLinear group flags) as the addon takes it: 1/0 per group, empty when absent. */
function enableAttr(attrs: NamedAttrMap): number[] {
  const v = attrs.enableLora;
  if (v == null) return [];
  if (!Array.isArray(v)) throw new Error(`attribute 'enableLora' must be a boolean array (got ${String(v)})`);
  return (v as unknown[]).map((f) => (f ? 1 : 0));
}

function attentionArgs({ attrs }: TorchKernelArgs, headSize: number): AttentionArgs {
  return [boolAttr(attrs, 'causal'), numberAttr(attrs, 'scale', 1 / Math.sqrt(headSize)), numberAttr(attrs, 'dropout', 0), seedArg(attrs.seed)];
}

export function fusedKernels(addon: TorchAddon): KernelConfig[] {
  return [
    kernel('LoratsLayerNorm', ({ inputs, backend, attrs }) =>
      backend.output(
        addon.layerNorm(
          backend.handle(input(inputs, 'x', 'LoratsLayerNorm')),
          backend.handle(input(inputs, 'gamma', 'LoratsLayerNorm')),
          backend.handle(input(inputs, 'beta', 'LoratsLayerNorm')),
          numberAttr(attrs, 'epsilon', 1e-5),
        ),
      ),
    ),
    kernel('LoratsLayerNormGrad', ({ inputs, backend, attrs }) =>
      backend.outputs(
        addon.layerNormGrad(
          backend.handle(input(inputs, 'dy', 'LoratsLayerNormGrad')),
          backend.handle(input(inputs, 'x', 'LoratsLayerNormGrad')),
          backend.handle(input(inputs, 'gamma', 'LoratsLayerNormGrad')),
          numberAttr(attrs, 'epsilon', 1e-5),
          boolAttr(attrs, 'paramGrads', true),
        ),
      ),
    ),
    kernel('LoratsGelu', ({ inputs, backend, attrs }) =>
      backend.output(addon.gelu(backend.handle(input(inputs, 'x', 'LoratsGelu')), stringAttr(attrs, 'approximate', 'none'))),
    ),
    kernel('LoratsGeluGrad', ({ inputs, backend, attrs }) =>
      backend.output(
        addon.geluGrad(backend.handle(input(inputs, 'dy', 'LoratsGeluGrad')), backend.handle(input(inputs, 'x', 'LoratsGeluGrad')), stringAttr(attrs, 'approximate', 'none')),
      ),
    ),
    kernel('LoratsAttention', (args) => {
      const { inputs, backend } = args;
      const q = input(inputs, 'q', 'LoratsAttention');
      const h = [q, input(inputs, 'k', 'LoratsAttention'), input(inputs, 'v', 'LoratsAttention')].map((t) => backend.handle(t));
      return backend.output(addon.attention(h[0], h[1], h[2], backend.optionalHandle(inputs.mask), ...attentionArgs(args, q.shape[3])));
    }),
    kernel('LoratsPackedAttention', (args) => {
      const { inputs, backend, attrs } = args;
      const qkv = input(inputs, 'qkv', 'LoratsPackedAttention');
      const heads = numberAttr(attrs, 'heads');
      const headSize = qkv.shape[2] / (3 * heads);
      const out = addon.packedAttention(backend.handle(qkv), backend.optionalHandle(inputs.mask), heads, ...attentionArgs(args, headSize));
      return Array.isArray(out) ? backend.outputs(out) : backend.output(out);
    }),
    kernel('LoratsPackedAttentionGrad', (args) => {
      const { inputs, backend, attrs } = args;
      const qkv = input(inputs, 'qkv', 'LoratsPackedAttentionGrad');
      const heads = numberAttr(attrs, 'heads');
      const headSize = qkv.shape[2] / (3 * heads);
      return backend.output(
        addon.packedAttentionGrad(
          backend.handle(input(inputs, 'dy', 'LoratsPackedAttentionGrad')),
          backend.handle(qkv),
          backend.optionalHandle(inputs.mask),
          heads,
          ...attentionArgs(args, headSize),
          backend.optionalHandle(inputs.y),
          backend.optionalHandle(inputs.stats),
        ),
      );
    }),
    kernel('LoratsAttentionGrad', (args) => {
      const { inputs, backend } = args;
      const q = input(inputs, 'q', 'LoratsAttentionGrad');
      const h = ['dy', 'q', 'k', 'v'].map((n) => backend.handle(input(inputs, n, 'LoratsAttentionGrad')));
      return backend.outputs(addon.attentionGrad(h[0], h[1], h[2], h[3], backend.optionalHandle(inputs.mask), ...attentionArgs(args, q.shape[3])));
    }),
    kernel('LoratsLinear', ({ inputs, backend, attrs }) =>
      backend.output(
        addon.linear(
          backend.handle(input(inputs, 'x', 'LoratsLinear')),
          backend.handle(input(inputs, 'weight', 'LoratsLinear')),
          backend.optionalHandle(inputs.bias),
          boolAttr(attrs, 'fanInFanOut'),
          backend.optionalHandle(inputs.residual),
        ),
      ),
    ),
    kernel('LoratsLinearGrad', ({ inputs, backend, attrs }) =>
      backend.outputs(
        addon.linearGrad(
          backend.handle(input(inputs, 'dy', 'LoratsLinearGrad')),
          backend.handle(input(inputs, 'x', 'LoratsLinearGrad')),
          backend.handle(input(inputs, 'weight', 'LoratsLinearGrad')),
          boolAttr(attrs, 'fanInFanOut'),
          boolAttr(attrs, 'weightGrad', true),
          boolAttr(attrs, 'biasGrad', true),
          boolAttr(attrs, 'hasResidual'),
        ),
      ),
    ),
    kernel('LoratsLoraLinear', ({ inputs, backend, attrs }) => {
      const n = 'LoratsLoraLinear';
      return backend.output(
        addon.loraLinear(
          backend.handle(input(inputs, 'x', n)),
          backend.handle(input(inputs, 'weight', n)),
          backend.optionalHandle(inputs.bias),
          backend.handle(input(inputs, 'loraA', n)),
          backend.handle(input(inputs, 'loraB', n)),
          backend.optionalHandle(inputs.dropoutMask),
          numberAttr(attrs, 'scaling'),
          boolAttr(attrs, 'fanInFanOut'),
          enableAttr(attrs),
        ),
      );
    }),
    kernel('LoratsLoraLinearGrad', ({ inputs, backend, attrs }) => {
      const n = 'LoratsLoraLinearGrad';
      return backend.outputs(
        addon.loraLinearGrad(
          backend.handle(input(inputs, 'dy', n)),
          backend.handle(input(inputs, 'x', n)),
          backend.handle(input(inputs, 'weight', n)),
          backend.handle(input(inputs, 'loraA', n)),
          backend.handle(input(inputs, 'loraB', n)),
          backend.optionalHandle(inputs.dropoutMask),
          numberAttr(attrs, 'scaling'),
          boolAttr(attrs, 'weightGrad', true),
          boolAttr(attrs, 'fanInFanOut'),
          enableAttr(attrs),
          boolAttr(attrs, 'hasBias', true) && boolAttr(attrs, 'biasGrad', true),
        ),
      );
    }),
    kernel('LoratsCrossEntropy', ({ inputs, backend, attrs }) =>
      backend.output(
        addon.crossEntropy(
          backend.handle(input(inputs, 'logits', 'LoratsCrossEntropy')),
          backend.handle(input(inputs, 'labels', 'LoratsCrossEntropy')),
          numberAttr(attrs, 'labelSmoothing', 0),
        ),
      ),
    ),
    kernel('LoratsCrossEntropyGrad', ({ inputs, backend, attrs }) =>
      backend.output(
        addon.crossEntropyGrad(
          backend.handle(input(inputs, 'dy', 'LoratsCrossEntropyGrad')),
          backend.handle(input(inputs, 'logits', 'LoratsCrossEntropyGrad')),
          backend.handle(input(inputs, 'labels', 'LoratsCrossEntropyGrad')),
          numberAttr(attrs, 'labelSmoothing', 0),
        ),
      ),
    ),
    kernel('LoratsAdamW', ({ inputs, backend, attrs }) => {
      // inputs param0…, grad0…, m0…, v0… (n = stepSizes.length); outputs [param'…, m'…, v'…]
      const stepSizes = numbersAttr(attrs, 'stepSizes');
      const decays = attrs.decays == null ? stepSizes.map(() => 0) : numbersAttr(attrs, 'decays');
      const list = (prefix: string) => stepSizes.map((_, i) => backend.handle(input(inputs, `${prefix}${i}`, 'LoratsAdamW')));
      return backend.outputs(
        addon.adamw(list('param'), list('grad'), list('m'), list('v'), numberAttr(attrs, 'beta1', 0.9), numberAttr(attrs, 'beta2', 0.999), numberAttr(attrs, 'eps', 1e-6), stepSizes, decays),
      );
    }),
    kernel('LoratsRandomUniform', ({ backend, attrs }) =>
      backend.output(addon.random('uniform', numbersAttr(attrs, 'shape'), numberAttr(attrs, 'minval', 0), numberAttr(attrs, 'maxval', 1), seedArg(attrs.seed))),
    ),
    kernel('LoratsRandomNormal', ({ backend, attrs }) =>
      backend.output(addon.random('normal', numbersAttr(attrs, 'shape'), numberAttr(attrs, 'mean', 0), numberAttr(attrs, 'stdDev', 1), seedArg(attrs.seed))),
    ),
    kernel('LoratsDropoutMask', ({ backend, attrs }) =>
      backend.output(addon.random('dropout', numbersAttr(attrs, 'shape'), numberAttr(attrs, 'rate'), 0, seedArg(attrs.seed))),
    ),
  ];
}
