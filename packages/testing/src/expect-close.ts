// Tensor comparison for tests: shape check, then element-wise |a − e| ≤ atol + rtol·|e| with a message naming the worst element.
import * as tf from '@tensorflow/tfjs-core';

/** A tensor held on the host: what fixtures and checkpoint readers produce. */
export interface HostTensor {
  dtype: string;
  shape: number[];
  data: ArrayLike<number>;
}

/** Anything `expectTensorsClose` can compare: a tf tensor, a host tensor, a (nested) number array or a number. */
export type TensorLike = tf.Tensor | HostTensor | number | NestedNumbers;

/** A nested array of numbers, as in JSON fixtures. */
export type NestedNumbers = number[] | NestedNumbers[];

/** Tolerances for `expectTensorsClose`: pass when |actual − expected| ≤ atol + rtol·|expected| everywhere. */
export interface CloseOptions {
  atol?: number;
  rtol?: number;
  /** Prefix for the error message, e.g. the fixture case and key. */
  label?: string;
}

interface Flat {
  shape: number[];
  values: ArrayLike<number>;
}

function isHostTensor(x: unknown): x is HostTensor {
  return typeof x === 'object' && x !== null && 'shape' in x && 'data' in x && !(x instanceof tf.Tensor);
}

function flatten(x: TensorLike): Flat {
  if (x instanceof tf.Tensor) return { shape: x.shape.slice(), values: x.dataSync() };
  if (typeof x === 'number') return { shape: [], values: [x] };
  if (isHostTensor(x)) return { shape: x.shape.slice(), values: x.data };
  const shape: number[] = [];
  let level: unknown = x;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  const values = (x as unknown[]).flat(Infinity) as number[];
  return { shape, values };
}

/** Throws unless `actual` and `expected` have the same shape and agree within the tolerances (default atol 1e-5, rtol 1e-5). */
export function expectTensorsClose(actual: TensorLike, expected: TensorLike, options: CloseOptions = {}): void {
  const { atol = 1e-5, rtol = 1e-5, label = 'tensor' } = options;
  const a = flatten(actual);
  const e = flatten(expected);
  if (a.shape.length !== e.shape.length || a.shape.some((d, i) => d !== e.shape[i])) {
    throw new Error(`${label}: shape [${a.shape.join(', ')}] differs from expected [${e.shape.join(', ')}]`);
  }
  if (a.values.length !== e.values.length) {
    throw new Error(`${label}: ${a.values.length} values, expected ${e.values.length}`);
  }
  let worst = -1;
  let worstExcess = 0;
  let maxAbs = 0;
  for (let i = 0; i < a.values.length; i++) {
    const av = a.values[i];
    const ev = e.values[i];
    if (Number.isNaN(av) !== Number.isNaN(ev)) {
      throw new Error(`${label}: element ${i} is ${av}, expected ${ev}`);
    }
    if (Number.isNaN(av)) continue;
    if (!Number.isFinite(ev) || !Number.isFinite(av)) {
      if (av !== ev) throw new Error(`${label}: element ${i} is ${av}, expected ${ev}`);
      continue;
    }
    const diff = Math.abs(av - ev);
    maxAbs = Math.max(maxAbs, diff);
    const excess = diff - (atol + rtol * Math.abs(ev));
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  if (worst >= 0) {
    throw new Error(
      `${label}: element ${worst} is ${a.values[worst]}, expected ${e.values[worst]} ` +
        `(max |diff| ${maxAbs.toExponential(3)} > atol ${atol} + rtol ${rtol}·|expected|)`,
    );
  }
}

/** Largest absolute element-wise difference between two tensors of the same shape. */
export function maxAbsDiff(actual: TensorLike, expected: TensorLike): number {
  const a = flatten(actual);
  const e = flatten(expected);
  if (a.values.length !== e.values.length) throw new Error(`maxAbsDiff: ${a.values.length} vs ${e.values.length} values`);
  let m = 0;
  for (let i = 0; i < a.values.length; i++) m = Math.max(m, Math.abs(a.values[i] - e.values[i]));
  return m;
}
