import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Linear, Module, adapterStateDict, applyLoraAdapter, manualSeed, type HostTensor, type LoraAdapterTensors } from './index.js';

class Classifier extends Module {
  readonly q = this.registerModule('q', new Linear(4, 4));
  readonly v = this.registerModule('v', new Linear(4, 4));
  readonly head: Linear;
  constructor(labels: number) {
    super();
    this.head = this.registerModule('head', new Linear(4, labels));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.head.forward(tf.add(this.q.forward(x), this.v.forward(x))));
  }
}

function adapterOf(tensors: Map<string, HostTensor>, alpha: number | undefined): LoraAdapterTensors {
  const lora = new Map([...tensors].filter(([k]) => /\.lora_[AB]$/.test(k)));
  const modules = new Map([...tensors].filter(([k]) => !/\.lora_[AB]$/.test(k)));
  return { file: 'a.bin', rank: 2, alpha, useRsLora: false, lora, modules };
}

describe('applyLoraAdapter', () => {
  it('puts a saved adapter and head into a fresh model, which then computes what the trained one did', async () => {
    manualSeed(0);
    const trained = new Classifier(3);
    for (const layer of [trained.q, trained.v]) {
      const a = layer.addAdapter('default', { rank: 2, alpha: 4 });
      a.loraB.assign(tf.randomNormal(a.loraB.shape));
    }
    const saved = await adapterStateDict(trained, (k) => k.startsWith('head.'));
    expect([...saved.keys()].sort()).toEqual(['head.bias', 'head.weight', 'q.lora_A', 'q.lora_B', 'v.lora_A', 'v.lora_B']);
    const fresh = new Classifier(3);
    for (const name of ['q', 'v'] as const) {
      fresh[name].weight.assign(trained[name].weight);
      fresh[name].bias?.assign(trained[name].bias as tf.Tensor);
    }
    expect(() => applyLoraAdapter(fresh, adapterOf(saved, undefined))).toThrow(/a\.bin: a loralib adapter does not store alpha; pass --alpha/);
    expect(applyLoraAdapter(fresh, adapterOf(saved, undefined), { alpha: 4, mergeWeights: false })).toEqual({ droppedKeys: [] });
    expect(fresh.q.adapter().scaling).toBe(2);
    expect(fresh.q.mergeWeights).toBe(false);
    const x = tf.randomNormal([2, 4]);
    expect(Array.from(fresh.forward(x).dataSync())).toEqual(Array.from(trained.forward(x).dataSync()));
  });

  it('drops a head group that does not fit, and names the file for unknown layers and parameters', async () => {
    const trained = new Classifier(3);
    trained.q.addAdapter('default', { rank: 2, alpha: 4 });
    const saved = await adapterStateDict(trained, (k) => k.startsWith('head.'));
    const other = new Classifier(2);
    expect(() => applyLoraAdapter(other, adapterOf(saved, 4))).toThrow(/a\.bin: "head\.weight" has shape \[3,4\], the model \[2,4\]/);
    const headGroup = (k: string) => (k.startsWith('head.') ? ['head.weight', 'head.bias'] : undefined);
    expect(applyLoraAdapter(other, adapterOf(saved, 4), { headGroup }).droppedKeys.sort()).toEqual(['head.bias', 'head.weight']);
    const unknown = new Map([['k.lora_A', saved.get('q.lora_A') as HostTensor]]);
    expect(() => applyLoraAdapter(other, adapterOf(unknown, 4))).toThrow(/a\.bin: the model has no layer "k"/);
    const stray = new Map([...saved, ['extra.weight', saved.get('head.bias') as HostTensor]]);
    expect(() => applyLoraAdapter(new Classifier(3), adapterOf(stray, 4))).toThrow(/a\.bin: the model has no parameter "extra\.weight"/);
  });
});
