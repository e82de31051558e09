// Golden fixtures: JSON files written by a reference script, holding named cases of small tensors.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { HostTensor } from './expect-close.js';

/** One tensor as stored in a fixture file: shape, dtype and row-major values. */
export interface FixtureTensor {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: number[];
}

/** One fixture case: its options and its tensors by name. */
export interface FixtureCase {
  config: Record<string, unknown>;
  tensors: Record<string, FixtureTensor>;
}

/** A fixture file: what produced it, and its cases by name. */
export interface FixtureFile {
  producer: string;
  cases: Record<string, FixtureCase>;
}

function checkTensor(file: string, key: string, t: FixtureTensor): void {
  const size = t.shape.reduce((a, b) => a * b, 1);
  if (!Array.isArray(t.data) || t.data.length !== size) {
    throw new Error(`${file}: tensor ${key} has ${t.data?.length} values for shape [${t.shape.join(', ')}]`);
  }
  if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new Error(`${file}: tensor ${key} has dtype ${t.dtype}`);
}

/** Reads and validates a fixture file (path or file URL), naming the file and key in any error. */
export function loadFixture(path: string | URL): FixtureFile {
  const file = path instanceof URL ? path.pathname : path;
  let parsed: FixtureFile;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as FixtureFile;
  } catch (err) {
    throw new Error(`${file}: cannot read fixture (${(err as Error).message})`);
  }
  if (typeof parsed.producer !== 'string' || typeof parsed.cases !== 'object') {
    throw new Error(`${file}: not a fixture file (needs "producer" and "cases")`);
  }
  for (const [name, c] of Object.entries(parsed.cases)) {
    for (const [key, t] of Object.entries(c.tensors)) checkTensor(file, `${name}/${key}`, t);
  }
  return parsed;
}

/** Makes a tf tensor from a fixture tensor (the caller owns it). */
export function fixtureTensor(t: FixtureTensor): tf.Tensor {
  return tf.tensor(t.data, t.shape, t.dtype);
}

/** Makes a host tensor (typed array, no tf) from a fixture tensor. */
export function fixtureHostTensor(t: FixtureTensor): HostTensor {
  return { dtype: t.dtype, shape: t.shape.slice(), data: t.dtype === 'int32' ? Int32Array.from(t.data) : Float32Array.from(t.data) };
}
