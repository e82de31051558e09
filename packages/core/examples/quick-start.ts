// The README's quick example: a tiny model with one LoRA projection, one training step, merge, save.
// Run: node --conditions=@lorats/source --import tsx packages/core/examples/quick-start.ts
import * as tf from '@tensorflow/tfjs';
import { Embedding, LayerNorm, Linear, Module, countParameters, loraStateDict, markOnlyLoraAsTrainable, trainableVariables } from '@lorats/core';

class Tiny extends Module {
  readonly wte = this.registerModule('wte', new Embedding(100, 16));
  readonly q = this.registerModule('q', new Linear(16, 16, { rank: 4, alpha: 8 })); // loralib's lora.Linear(16, 16, r=4, lora_alpha=8)
  readonly ln = this.registerModule('ln', new LayerNorm(16));
  readonly head = this.registerModule('head', new Linear(16, 100));

  forward(ids: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.head.forward(this.ln.forward(this.q.forward(this.wte.forward(ids))))); // [B, T, V]
  }
}

/** Builds the model, trains one step, merges and returns the saved LoRA keys with shapes. */
export function quickStart(): { keys: Array<[string, number[]]>; trainable: number; total: number } {
  const model = new Tiny();
  markOnlyLoraAsTrainable(model, 'none'); // only q.lora_A / q.lora_B train
  const ids = tf.tensor2d([[1, 2, 3]], undefined, 'int32');
  const optimizer = tf.train.adam(1e-3);
  optimizer.minimize(() => tf.mean(tf.square(model.forward(ids))), false, trainableVariables(model));
  model.eval(); // merges ΔW = B·A·alpha/rank into q.weight
  const saved = loraStateDict(model);
  const keys = [...saved].map(([k, t]) => [k, t.shape] as [string, number[]]);
  model.train(); // unmerges
  const { trainable, total } = countParameters(model);
  optimizer.dispose();
  ids.dispose();
  model.dispose();
  return { keys, trainable, total };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(quickStart());
