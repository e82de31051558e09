// Golden parity with PyTorch: fixtures/lora-layers.json is written by fixtures/generate.py (loralib-equivalent
// layers in torch fp32; see its producer line). Each case runs on both fused-op paths.
import * as tf from '@tensorflow/tfjs';
import { type FixtureCase, fixtureHostTensor, fixtureTensor, expectTensorsClose, loadFixture } from '@lorats/testing';
import { describe, expect, it } from 'vitest';
import { OP_PATHS, useOpPath } from '../test/op-paths.js';
import { Conv1d, Conv2d, Conv3d, Embedding, type LoraLayer, Linear, MergedLinear } from './index.js';

const fixture = loadFixture(new URL('../fixtures/lora-layers.json', import.meta.url));
const TOL = { atol: 1e-5, rtol: 1e-5 };

type Layer = LoraLayer & { forward(x: tf.Tensor): tf.Tensor };

function num(c: FixtureCase, key: string): number {
  return c.config[key] as number;
}

/** Builds the lorats layer a fixture case describes (same options, mergeWeights on). */
function build(c: FixtureCase): Layer {
  const cfg = c.config;
  const common = { rank: num(c, 'rank'), alpha: num(c, 'alpha'), useRsLora: cfg.useRsLora === true };
  if (cfg.kind === 'linear') {
    const options = { ...common, bias: cfg.bias as boolean, fanInFanOut: cfg.fanInFanOut as boolean };
    if (cfg.enableLora != null) return new MergedLinear(num(c, 'in'), num(c, 'out'), { ...options, enableLora: cfg.enableLora as boolean[] });
    return new Linear(num(c, 'in'), num(c, 'out'), options);
  }
  if (cfg.kind === 'embedding') {
    return new Embedding(num(c, 'num'), num(c, 'dim'), { ...common, paddingIdx: cfg.paddingIdx as number | undefined });
  }
  const Conv = ({ 1: Conv1d, 2: Conv2d, 3: Conv3d } as const)[num(c, 'dims') as 1 | 2 | 3];
  return new Conv(num(c, 'in'), num(c, 'out'), num(c, 'kernel'), {
    ...common,
    stride: num(c, 'stride'),
    padding: num(c, 'padding'),
    groups: num(c, 'groups'),
    bias: cfg.bias as boolean,
  });
}

/** Loads the fixture's parameters as host tensors (the @lorats/checkpoints shape). */
function load(layer: Layer, c: FixtureCase): void {
  const keys = ['weight', 'bias', 'lora_A', 'lora_B'].filter((k) => k in c.tensors);
  layer.loadStateDict(Object.fromEntries(keys.map((k) => [k, fixtureHostTensor(c.tensors[k])])));
}

function lossOf(layer: Layer, x: tf.Tensor, dy: tf.Tensor): () => tf.Scalar {
  return () => tf.sum(tf.mul(layer.forward(x), dy));
}

describe.each(OP_PATHS)('golden parity with PyTorch (%s path)', (path) => {
  useOpPath(path);

  it('the fixture says what produced it', () => {
    expect(fixture.producer).toMatch(/generate\.py \(torch /);
  });

  describe.each(Object.keys(fixture.cases))('%s', (name) => {
    const c = fixture.cases[name];
    const T = (k: string): tf.Tensor => fixtureTensor(c.tensors[k]);

    it('forward output and gradients of lora_A, lora_B and bias', () => {
      const layer = build(c);
      load(layer, c);
      const x = T('x');
      expectTensorsClose(layer.forward(x), c.tensors.y, { ...TOL, label: `${name} y` });
      const a = layer.adapter();
      const vars = [a.loraA, a.loraB, ...(layer.bias == null ? [] : [layer.bias])];
      const { grads } = tf.variableGrads(lossOf(layer, x, T('dy')), vars);
      expectTensorsClose(grads[a.loraA.name], c.tensors.grad_lora_A, { ...TOL, label: `${name} dA` });
      expectTensorsClose(grads[a.loraB.name], c.tensors.grad_lora_B, { ...TOL, label: `${name} dB` });
      if (layer.bias != null) expectTensorsClose(grads[layer.bias.name], c.tensors.grad_bias, { ...TOL, label: `${name} dbias` });
      layer.dispose();
    });

    it('eval() merges to the golden weight and output; train() restores W', () => {
      const layer = build(c);
      load(layer, c);
      const x = T('x');
      layer.eval();
      expect(layer.merged).toBe(true);
      expectTensorsClose(layer.weight, c.tensors.merged_weight, { ...TOL, label: `${name} merged W` });
      expectTensorsClose(layer.forward(x), c.tensors.y_merged, { ...TOL, label: `${name} merged y` });
      layer.train();
      expect(layer.merged).toBe(false);
      expectTensorsClose(layer.weight, c.tensors.weight, { atol: 1e-6, rtol: 1e-6, label: `${name} W after unmerge` });
      layer.dispose();
    });

    it.each([
      ['sgd', () => tf.train.sgd(0.1)],
      ['adam', () => tf.train.adam(0.01, 0.9, 0.999, 1e-8)],
    ] as const)('one %s step over lora_A and lora_B', (opt, make) => {
      const layer = build(c);
      load(layer, c);
      const a = layer.adapter();
      const optimizer = make();
      const frozen = layer.weight.clone();
      optimizer.minimize(lossOf(layer, T('x'), T('dy')), false, [a.loraA, a.loraB]);
      expectTensorsClose(a.loraA, c.tensors[`${opt}_lora_A`], { ...TOL, label: `${name} ${opt} A` });
      expectTensorsClose(a.loraB, c.tensors[`${opt}_lora_B`], { ...TOL, label: `${name} ${opt} B` });
      expectTensorsClose(layer.weight, frozen, { atol: 0, rtol: 0, label: `${name} frozen W` });
      optimizer.dispose();
      layer.dispose();
    });
  });
});
