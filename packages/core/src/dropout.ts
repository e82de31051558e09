// Dropout as a module and as a mask source; seedable for reproducible runs.
import * as tf from '@tensorflow/tfjs-core';
import { nextSeed } from './init.js';
import { Module } from './module.js';

/** Draws an inverted-dropout mask: 0 with probability p, else 1/(1−p). */
export function dropoutMask(shape: number[], p: number, seed?: number): tf.Tensor {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout probability must be in [0, 1), got ${p}`);
  return tf.tidy(() => {
    const keep = tf.greaterEqual(tf.randomUniform(shape, 0, 1, 'float32', seed ?? nextSeed()), p);
    return tf.mul(tf.cast(keep, 'float32'), 1 / (1 - p));
  });
}

/** Options for `Dropout`. */
export interface DropoutOptions {
  /** Seed for the first mask; later masks use seed+1, seed+2, … so runs repeat exactly. */
  seed?: number;
}

/** torch.nn.Dropout: zeroes elements with probability p in training mode and scales the rest by 1/(1−p). */
export class Dropout extends Module {
  readonly p: number;
  private seed: number | undefined;

  constructor(p = 0.5, options: DropoutOptions = {}) {
    super();
    if (!(p >= 0 && p < 1)) throw new Error(`Dropout: probability must be in [0, 1), got ${p}`);
    this.p = p;
    this.seed = options.seed;
  }

  /** The seed the next mask will use (undefined: from the global `manualSeed` stream or unseeded). */
  nextMaskSeed(): number | undefined {
    if (this.seed === undefined) return nextSeed();
    const s = this.seed;
    this.seed = (this.seed + 1) >>> 0;
    return s;
  }

  /** The mask for an input of `shape`, or null when dropout is inactive (eval mode or p = 0). */
  mask(shape: number[]): tf.Tensor | null {
    if (!this.training || this.p === 0) return null;
    return dropoutMask(shape, this.p, this.nextMaskSeed());
  }

  /** x in eval mode or with p = 0; x·mask in training mode. */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const m = this.mask(x.shape);
      return m == null ? x.clone() : tf.mul(x, m);
    });
  }

  protected override extraRepr(): string {
    return `p=${this.p}`;
  }
}
