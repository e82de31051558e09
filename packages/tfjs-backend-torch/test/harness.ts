// Runs the same tfjs computation on the cpu backend and the torch backend and compares outputs and gradients.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

import { registerTorchBackend, torchAvailability } from '../src/index.js';

export const torch = torchAvailability();
/** Device for the torch side: LORATS_TEST_DEVICE (e.g. cuda:0 on the GPU machine), else cpu. */
export const DEVICE = process.env.LORATS_TEST_DEVICE ?? 'cpu';
export const SKIP_REASON = torch.available ? '' : `torch backend not built: ${torch.reason}; run pnpm --filter @lorats/tfjs-backend-torch build:native`;

let registered = false;
/** Registers the torch backend once (no-op when the addon is unavailable). */
export function ensureTorch(): void {
  if (registered || !torch.available) return;
  // One intra-op thread: the suite checks values, and on a busy machine OpenMP's barriers make tiny ops slow.
  // float32 exactly on CUDA (TF32 matmuls would exceed the 1e-3 tolerances); LORATS_TEST_TF32=1 turns TF32 on.
  registerTorchBackend({ device: DEVICE, threads: 1, tf32: process.env.LORATS_TEST_TF32 === '1' });
  registered = true;
  const cpu = tf.engine().findBackend('cpu');
  if (cpu && 'firstUse' in cpu) Reflect.set(cpu, 'firstUse', false);
}

/** A deterministic generator (mulberry32), so every run draws the same inputs. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Kind = 'float' | 'positive' | 'unit' | 'nonzero' | 'int' | 'bool' | { index: number } | { values: number[] };

export interface InputSpec {
  shape: number[];
  kind?: Kind;
  /** Overrides the dtype the kind implies. */
  dtype?: 'float32' | 'int32' | 'bool';
}

export interface Values {
  values: number[];
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
}

export function draw(spec: InputSpec, next: () => number): Values {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const kind = spec.kind ?? 'float';
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = next();
    if (typeof kind === 'object' && 'values' in kind) values.push(kind.values[i % kind.values.length]);
    else if (typeof kind === 'object') values.push(Math.floor(u * kind.index));
    else if (kind === 'float') values.push(u * 4 - 2);
    else if (kind === 'positive') values.push(u * 2 + 0.1);
    else if (kind === 'unit') values.push(u * 1.8 - 0.9);
    else if (kind === 'nonzero') values.push((u < 0.5 ? -1 : 1) * (0.5 + u * 2));
    else if (kind === 'int') values.push(Math.floor(u * 11) - 5);
    else values.push(u < 0.5 ? 0 : 1);
  }
  const implied = kind === 'int' || (typeof kind === 'object' && 'index' in kind) ? 'int32' : kind === 'bool' ? 'bool' : 'float32';
  return { values, shape: spec.shape, dtype: spec.dtype ?? implied };
}

export interface Case {
  name: string;
  inputs: InputSpec[];
  fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
  /** Also compare gradients with respect to the float inputs (default true when there is a float input). */
  grad?: boolean;
  atol?: number;
  rtol?: number;
  seed?: number;
}

export interface Result {
  outputs: { values: number[]; shape: number[]; dtype: string }[];
  grads: { values: number[]; shape: number[] }[];
  /** Message of an error thrown by the forward computation (then nothing else is compared). */
  forwardError?: string;
  /** Message of an error thrown computing gradients (tfjs lacks some gradients or broadcasting in them). */
  gradError?: string;
  leaked: number;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function toTensor(v: Values): tf.Tensor {
  return tf.tensor(v.values, v.shape, v.dtype);
}

/** Runs a case on one backend: outputs, gradients of Σ(outputs·dy) w.r.t. the float inputs, and leaked tensors. */
export async function runCase(backend: string, c: Case, inputs: Values[], dySeed: number): Promise<Result> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const xs = inputs.map(toTensor);
  let outs: tf.Tensor[];
  try {
    outs = tf.tidy(() => {
      const y = c.fn(...xs);
      return Array.isArray(y) ? y : [y];
    });
  } catch (e) {
    tf.dispose(xs);
    return { outputs: [], grads: [], forwardError: message(e), leaked: tf.memory().numTensors - before };
  }
  const outputs = outs.map((t) => ({ values: Array.from(t.dataSync()), shape: t.shape, dtype: t.dtype }));
  const floatIdx = inputs.map((v, i) => (v.dtype === 'float32' ? i : -1)).filter((i) => i >= 0);
  const wantGrad = (c.grad ?? true) && floatIdx.length > 0 && outs.some((t) => t.dtype === 'float32');
  let grads: Result['grads'] = [];
  let gradError: string | undefined;
  if (wantGrad) {
    const next = rng(dySeed);
    const dys = outs.map((t) => (t.dtype === 'float32' ? tf.tensor(Array.from({ length: t.size }, () => next() * 2 - 1), t.shape) : null));
    const f = (...fx: tf.Tensor[]) => {
      const all = xs.slice();
      floatIdx.forEach((i, k) => (all[i] = fx[k]));
      const y = c.fn(...all);
      const ys = Array.isArray(y) ? y : [y];
      return ys.map((t, k) => (dys[k] ? tf.sum(tf.mul(t, dys[k] as tf.Tensor)) : tf.scalar(0))).reduce((a, b) => tf.add(a, b));
    };
    try {
      const g = tf.grads(f)(floatIdx.map((i) => xs[i]));
      grads = g.map((t) => ({ values: Array.from(t.dataSync()), shape: t.shape }));
      tf.dispose(g);
    } catch (e) {
      gradError = message(e);
    }
    tf.dispose(dys.filter((t): t is tf.Tensor => t != null));
  }
  tf.dispose(outs);
  tf.dispose(xs);
  return { outputs, grads, ...(gradError !== undefined && { gradError }), leaked: tf.memory().numTensors - before };
}

export function expectClose(actual: number[], expected: number[], atol: number, rtol: number, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) {
      expect(Number.isNaN(a), `${what}[${i}]: expected NaN, got ${a}`).toBe(true);
      continue;
    }
    if (!Number.isFinite(e)) {
      expect(a, `${what}[${i}]`).toBe(e);
      continue;
    }
    const ok = Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) expect.fail(`${what}[${i}]: torch ${a} vs cpu ${e} (atol ${atol}, rtol ${rtol})`);
  }
}

/** Runs the case on cpu and torch with the same inputs and compares everything. */
export async function compareCase(c: Case, index: number): Promise<void> {
  ensureTorch();
  const seed = c.seed ?? 1000 + index;
  const next = rng(seed);
  const inputs = c.inputs.map((s) => draw(s, next));
  const ref = await runCase('cpu', c, inputs, seed + 7);
  const got = await runCase('torch', c, inputs, seed + 7);
  const atol = c.atol ?? 1e-4;
  const rtol = c.rtol ?? 1e-3;
  // Where tfjs itself rejects a computation (an op's own checks, a missing or non-broadcasting gradient), torch
  // must reject it too; nothing else can be compared.
  if (ref.forwardError !== undefined) {
    expect(got.forwardError, `cpu threw "${ref.forwardError}", torch did not`).toBeDefined();
    return;
  }
  expect(got.forwardError, 'torch threw where cpu did not').toBeUndefined();
  expect(got.outputs.length, 'number of outputs').toBe(ref.outputs.length);
  got.outputs.forEach((o, k) => {
    expect(o.shape, `output ${k} shape`).toEqual(ref.outputs[k].shape);
    expect(o.dtype, `output ${k} dtype`).toBe(ref.outputs[k].dtype);
    if (o.dtype === 'float32') expectClose(o.values, ref.outputs[k].values, atol, rtol, `output ${k}`);
    else expect(o.values, `output ${k} values`).toEqual(ref.outputs[k].values);
  });
  if (ref.gradError !== undefined) expect(got.gradError, `cpu gradient threw "${ref.gradError}", torch did not`).toBeDefined();
  else expect(got.gradError, 'torch gradient threw where cpu did not').toBeUndefined();
  expect(got.grads.length, 'number of gradients').toBe(ref.grads.length);
  got.grads.forEach((g, k) => {
    expect(g.shape, `gradient ${k} shape`).toEqual(ref.grads[k].shape);
    expectClose(g.values, ref.grads[k].values, atol * 10, rtol * 10, `gradient ${k}`);
  });
  // A throwing tf.grads leaks its intermediates on any backend; the counts must still agree.
  expect(got.leaked, 'tensors leaked on torch vs cpu').toBe(ref.leaked);
  if (ref.gradError === undefined) expect(got.leaked, 'tensors leaked on torch').toBe(0);
}
