// Golden parity with Hugging Face PEFT: fixtures/peft-adapters.json is written by fixtures/generate_peft.py with
// peft itself (GPU machine request .device-queue/core-1.md). Skips while the fixture is absent.
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { type FixtureFile, fixtureHostTensor, fixtureTensor, expectTensorsClose, loadFixture } from '@lorats/testing';
import { describe, expect, it } from 'vitest';
import {
  addWeightedAdapter,
  Embedding,
  Linear,
  type LoraLayer,
  loadPeftAdapter,
  mergeAndUnload,
  Module,
  PEFT_PREFIX,
  parsePeftKey,
  setActiveAdapter,
  withAdaptersDisabled,
} from './index.js';

const url = new URL('../fixtures/peft-adapters.json', import.meta.url);
const fixture: FixtureFile | null = existsSync(url) ? loadFixture(url) : null;
const TOL = { atol: 1e-5, rtol: 1e-5 };

/** The fixture script's torch model: emb → q(x) + v(x) → relu(fc) → head. */
class Tiny extends Module {
  readonly emb = this.registerModule('emb', new Embedding(12, 6));
  readonly q = this.registerModule('q', new Linear(6, 6));
  readonly v = this.registerModule('v', new Linear(6, 6));
  readonly fc = this.registerModule('fc', new Linear(6, 10));
  readonly head = this.registerModule('head', new Linear(10, 3));
  forward(ids: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const x = this.emb.forward(ids); // [B, T, 6]
      return this.head.forward(tf.relu(this.fc.forward(tf.add(this.q.forward(x), this.v.forward(x)))));
    });
  }
}

describe.skipIf(fixture == null)('golden parity with PEFT', () => {
  const cases = fixture?.cases ?? {};
  it('the fixture says what produced it', () => {
    expect(fixture!.producer).toMatch(/generate_peft\.py \(peft /);
  });

  describe.each(Object.keys(cases))('%s', (name) => {
    const c = cases[name];
    const group = (prefix: string): Map<string, ReturnType<typeof fixtureHostTensor>> =>
      new Map(Object.entries(c.tensors).filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), fixtureHostTensor(t)]));

    function build(): Tiny {
      const m = new Tiny();
      m.loadStateDict(group('base.'));
      const cfg = c.config as Record<string, Record<string, unknown>>;
      loadPeftAdapter(m, { config: cfg.peft, tensors: group('adapter.') }, 'default', name);
      if (cfg.peft_b != null) {
        loadPeftAdapter(m, { config: cfg.peft_b, tensors: group('adapter_b.') }, 'b', name);
        setActiveAdapter(m, 'default');
      }
      return m.eval();
    }

    it('forward with the adapter, and with adapters disabled', () => {
      const m = build();
      const ids = fixtureTensor(c.tensors.ids);
      expectTensorsClose(m.forward(ids), c.tensors.y, { ...TOL, label: `${name} y` });
      expectTensorsClose(withAdaptersDisabled(m, () => m.forward(ids)), c.tensors.y_base, { ...TOL, label: `${name} y_base` });
      m.dispose();
    });

    it('merge_and_unload weights', () => {
      const m = mergeAndUnload(build());
      for (const [key, t] of group('merged.')) expectTensorsClose(m.stateDict().get(key)!, t, { ...TOL, label: `${name} merged ${key}` });
      m.dispose();
    });

    // only the combinations the case recorded (PEFT's 'linear' needs equal ranks)
    const combos = ['cat', 'linear'].filter((combo) => (c.config as Record<string, unknown>)[`weights_${combo}`] != null);
    it.skipIf(combos.length === 0).each(combos)('add_weighted_adapter %s factors', (combo) => {
      const weights = (c.config as Record<string, number[]>)[`weights_${combo}`];
      const m = build();
      expect(group(`mix_${combo}.`).size).toBeGreaterThan(0);
      addWeightedAdapter(m, ['default', 'b'], weights, `mix_${combo}`, combo as 'cat' | 'linear');
      for (const [key, t] of group(`mix_${combo}.`)) {
        const k = parsePeftKey(`${PEFT_PREFIX}${key.replace(PEFT_PREFIX, '')}`);
        const layer = m.getSubmodule(k.path) as LoraLayer;
        const a = layer.adapter(`mix_${combo}`);
        expectTensorsClose(k.role.endsWith('A') ? a.loraA : a.loraB, t, { ...TOL, label: `${name} ${combo} ${key}` });
      }
      m.dispose();
    });
  });
});
