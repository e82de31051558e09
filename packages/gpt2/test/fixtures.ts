// Test helpers: the fixture files and the counter-based weight generator of fixtures/generate.py, bit for bit.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { Gpt2Config } from '../src/config.js';
import type { Gpt2LMModel } from '../src/model.js';

export const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;

export interface PyConfig {
  vocab_size: number;
  n_positions: number;
  n_embd: number;
  n_layer: number;
  n_head: number;
  layer_norm_epsilon: number;
}

export function toConfig(c: PyConfig): Gpt2Config {
  return { vocabSize: c.vocab_size, nPositions: c.n_positions, nEmbd: c.n_embd, nLayer: c.n_layer, nHead: c.n_head, layerNormEpsilon: c.layer_norm_epsilon };
}

export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(FIXTURES + name, 'utf8')) as T;
}

function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b) >>> 0;
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** generate.py's seeded_uniform: offset + scale·(2u − 1) rounded to float32. */
export function seededUniform(seed: number, name: string, n: number, scale: number, offset = 0): Float32Array {
  const h0 = (fnv1a32(name) ^ seed) >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = (h0 + Math.imul(i, 0x9e3779b9)) >>> 0;
    out[i] = offset + scale * (2 * (mix32(x) / 4294967296) - 1);
  }
  return out;
}

/** generate.py's gpt2_weights under model keys (`transformer.` + HF name). */
export function gpt2Weights(config: Gpt2Config, seed: number, rank = 0): Map<string, tf.Tensor> {
  const C = config.nEmbd;
  const s = 0.02 * Math.sqrt(3);
  const e = 3 / Math.sqrt(C);
  const w = new Map<string, tf.Tensor>();
  const put = (name: string, shape: number[], scale: number, offset = 0) =>
    w.set(`transformer.${name}`, tf.tensor(seededUniform(seed, name, shape.reduce((a, b) => a * b, 1), scale, offset), shape));
  put('wte.weight', [config.vocabSize, C], e);
  put('wpe.weight', [config.nPositions, C], 2 * e);
  for (let i = 0; i < config.nLayer; i++) {
    const p = `h.${i}.`;
    for (const ln of ['ln_1', 'ln_2']) {
      put(`${p}${ln}.weight`, [C], 0.1, 1);
      put(`${p}${ln}.bias`, [C], 0.05);
    }
    for (const [name, shape] of [
      ['attn.c_attn', [C, 3 * C]],
      ['attn.c_proj', [C, C]],
      ['mlp.c_fc', [C, 4 * C]],
      ['mlp.c_proj', [4 * C, C]],
    ] as const) {
      put(`${p}${name}.weight`, [...shape], s);
      put(`${p}${name}.bias`, [shape[1]], 0.02);
    }
    if (rank > 0) {
      put(`${p}attn.c_attn.lora_A`, [2 * rank, C], 1 / Math.sqrt(C));
      put(`${p}attn.c_attn.lora_B`, [2 * C, rank], 0.05);
    }
  }
  put('ln_f.weight', [C], 0.1, 1);
  put('ln_f.bias', [C], 0.05);
  return w;
}

/** Loads generated weights into a model (strict: every key must match). */
export function loadGenerated(model: Gpt2LMModel, seed: number, rank = 0): void {
  const w = gpt2Weights(model.config, seed, rank);
  model.loadStateDict(w, { strict: true });
  tf.dispose([...w.values()]);
}
