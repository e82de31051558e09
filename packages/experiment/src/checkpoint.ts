// Training checkpoints: one safetensors file per save, `checkpoint-<step>.safetensors`, holding the tensors (trainable
// parameters, optimizer moments) and the loop's JSON state in `__metadata__`. Files are written atomically (temp +
// rename), so a kill during a save leaves the previous checkpoint as the latest complete one.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadSafetensors, writeSafetensors, type HostTensor } from '@lorats/checkpoints';
import type { Json } from './config.js';

export { toHostTensor } from '@lorats/core';

const METADATA_KEY = 'lorats.training';
const FILE_PATTERN = /^checkpoint-(\d+)\.safetensors$/;

export interface TrainingCheckpoint {
  /** Updates completed when the checkpoint was taken. */
  step: number;
  tensors: Map<string, HostTensor>;
  /** The loop's state (loss history, optimizer step counts, anything the app adds). */
  state: { [key: string]: Json };
}

/** Makes a tf tensor from a float32/int32 host tensor (the caller owns it). */
export function fromHostTensor(t: HostTensor, where: string): tf.Tensor {
  if (t.dtype === 'float32') return tf.tensor(t.data as Float32Array, t.shape, 'float32');
  if (t.dtype === 'int32') return tf.tensor(t.data as Int32Array, t.shape, 'int32');
  throw new Error(`${where}: dtype ${t.dtype} is not a training-checkpoint dtype`);
}

/** The path of the checkpoint for `step` in `dir`. */
export function checkpointPath(dir: string, step: number): string {
  return join(dir, `checkpoint-${step}.safetensors`);
}

/** Checkpoints in `dir`, newest first, as [step, path]. */
export function listCheckpoints(dir: string): Array<[number, string]> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => FILE_PATTERN.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m): [number, string] => [Number(m[1]), join(dir, m[0])])
    .sort((a, b) => b[0] - a[0]);
}

/** Writes a checkpoint atomically (creating `dir`) and removes all but the newest `keep` (default 2). Returns its path. */
export async function saveCheckpoint(dir: string, checkpoint: TrainingCheckpoint, keep = 2): Promise<string> {
  const path = checkpointPath(dir, checkpoint.step);
  mkdirSync(dir, { recursive: true });
  await writeSafetensors(path, checkpoint.tensors, {
    metadata: { [METADATA_KEY]: JSON.stringify({ step: checkpoint.step, state: checkpoint.state }) },
  });
  for (const [, old] of listCheckpoints(dir).slice(Math.max(1, keep))) rmSync(old, { force: true });
  return path;
}

/** Reads a checkpoint written by `saveCheckpoint`; the error names the file when it is not one. */
export async function loadCheckpoint(path: string): Promise<TrainingCheckpoint> {
  const { tensors, metadata } = await loadSafetensors(path);
  const raw = metadata[METADATA_KEY];
  if (raw === undefined) throw new Error(`${path}: not a lorats training checkpoint (no "${METADATA_KEY}" metadata)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new Error(`${path}: training state is not valid JSON (${(e as Error).message})`);
  }
  const p = parsed as { step?: unknown; state?: unknown };
  if (typeof p.step !== 'number' || typeof p.state !== 'object' || p.state === null || Array.isArray(p.state)) {
    throw new Error(`${path}: training state lacks "step" or "state"`);
  }
  return { step: p.step, tensors, state: p.state as { [key: string]: Json } };
}

/** The newest checkpoint in `dir`, or undefined when there is none. */
export async function loadLatestCheckpoint(dir: string): Promise<TrainingCheckpoint | undefined> {
  const [latest] = listCheckpoints(dir);
  return latest ? loadCheckpoint(latest[1]) : undefined;
}
