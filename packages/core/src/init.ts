// Parameter initialisers with PyTorch's formulas, and a global seed so inits and dropout masks can be reproduced.
import * as tf from '@tensorflow/tfjs-core';

let seedState: number | undefined;

/** Seeds every lorats initialiser and dropout mask drawn afterwards (like torch.manual_seed); undefined unseeds. */
export function manualSeed(seed: number | undefined): void {
  seedState = seed == null ? undefined : seed >>> 0;
}

/** The next seed for a tf random op: undefined (unseeded) unless `manualSeed` was called. */
export function nextSeed(): number | undefined {
  if (seedState === undefined) return undefined;
  // splitmix32 step: a new well-mixed 32-bit seed per draw
  seedState = (seedState + 0x9e3779b9) >>> 0;
  let z = seedState;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** PyTorch's fan-in of a weight: shape[1] times the receptive field (product of shape[2:]). */
export function fanIn(shape: readonly number[]): number {
  if (shape.length < 2) throw new Error(`fanIn: weight needs at least 2 dims, got [${shape.join(', ')}]`);
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

/** U(−bound, bound) of the given shape. */
export function uniform(shape: number[], bound: number): tf.Tensor {
  return tf.randomUniform(shape, -bound, bound, 'float32', nextSeed());
}

/** N(mean, std²) of the given shape. */
export function normal(shape: number[], std = 1, mean = 0): tf.Tensor {
  return tf.randomNormal(shape, mean, std, 'float32', nextSeed());
}

/**
 * PyTorch's kaiming_uniform_(w, a) with fan_in mode and leaky_relu gain: U(±gain·√(3/fan_in)), gain = √(2/(1+a²)).
 * With a = √5 (nn.Linear's default and loralib's lora_A init) the bound is 1/√fan_in.
 */
export function kaimingUniform(shape: number[], a = Math.sqrt(5)): tf.Tensor {
  const gain = Math.sqrt(2 / (1 + a * a));
  return uniform(shape, gain * Math.sqrt(3 / fanIn(shape)));
}

/** mulberry32: a small seeded uniform [0, 1) stream on the JS side (sampling, test matrices), independent of tfjs. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
