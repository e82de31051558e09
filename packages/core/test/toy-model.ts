// A GPT-2-shaped toy model built from core layers, for injection and adapter tests.
import * as tf from '@tensorflow/tfjs';
import { Conv2d, Embedding, LayerNorm, Linear, Module, ModuleList } from '../src/index.js';

class Attention extends Module {
  readonly c_attn = this.registerModule('c_attn', new Linear(8, 24, { fanInFanOut: true })); // [q | k | v]
  readonly c_proj = this.registerModule('c_proj', new Linear(8, 8, { fanInFanOut: true }));
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [q, k, v] = tf.split(this.c_attn.forward(x), 3, -1); // [B, T, C] each
      const w = tf.softmax(tf.matMul(q, k, false, true), -1); // [B, T, T]
      return this.c_proj.forward(tf.matMul(w, v));
    });
  }
}

class Mlp extends Module {
  readonly c_fc = this.registerModule('c_fc', new Linear(8, 16));
  readonly c_proj = this.registerModule('c_proj', new Linear(16, 8));
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.c_proj.forward(tf.relu(this.c_fc.forward(x))));
  }
}

class Block extends Module {
  readonly ln_1 = this.registerModule('ln_1', new LayerNorm(8));
  readonly attn = this.registerModule('attn', new Attention());
  readonly mlp = this.registerModule('mlp', new Mlp());
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const h = tf.add(x, this.attn.forward(this.ln_1.forward(x)));
      return tf.add(h, this.mlp.forward(h));
    });
  }
}

class Head extends Module {
  readonly dense = this.registerModule('dense', new Linear(8, 8));
  readonly out_proj = this.registerModule('out_proj', new Linear(8, 3));
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.out_proj.forward(tf.tanh(this.dense.forward(x))));
  }
}

/** wte → 2 blocks → ln_f → classifier head; forward(ids [B, T]) → [B, T, 3]. */
export class Toy extends Module {
  readonly wte = this.registerModule('wte', new Embedding(20, 8));
  readonly h = this.registerModule('h', new ModuleList([new Block(), new Block()]));
  readonly ln_f = this.registerModule('ln_f', new LayerNorm(8));
  readonly classifier = this.registerModule('classifier', new Head());
  readonly patch = this.registerModule('patch', new Conv2d(1, 2, 3, { padding: 1 })); // unused in forward; conv target

  forward(ids: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let x = this.wte.forward(ids);
      for (const block of this.h) x = (block as Block).forward(x);
      return this.classifier.forward(this.ln_f.forward(x));
    });
  }
}

/** Token ids [2, 5] for the toy model. */
export function toyIds(): tf.Tensor {
  return tf.tensor2d([[1, 4, 7, 2, 19], [0, 3, 3, 8, 11]], undefined, 'int32');
}

/** Sets every adapter's A and B of the model to random values so adapters change the output. */
export function perturbAdapters(model: Module, seed = 1): void {
  let s = seed;
  for (const [, m] of model.namedModules()) {
    const layer = m as Module & { adapters?: Map<string, { loraA: tf.Variable; loraB: tf.Variable }> };
    if (layer.adapters == null) continue;
    for (const a of layer.adapters.values()) {
      a.loraA.assign(tf.randomNormal(a.loraA.shape, 0, 0.3, 'float32', s++));
      a.loraB.assign(tf.randomNormal(a.loraB.shape, 0, 0.3, 'float32', s++));
    }
  }
}
