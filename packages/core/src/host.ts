// Host copies of tf tensors and state dicts, in the form @lorats/checkpoints reads and writes (`HostTensor`), so a
// model's tensors go to `saveCheckpoint` / `writePeftAdapter` and come back from `loadCheckpoint` without conversion.
import type * as tf from '@tensorflow/tfjs-core';
import { hostValues, stateDictEntries, type HostTensor, type StateDict } from './module.js';

/** A host copy of a float32, int32 or bool tensor (bool as 0/1 bytes). */
export async function toHostTensor(t: tf.Tensor): Promise<HostTensor> {
  const shape = [...t.shape];
  if (t.dtype === 'float32') return { dtype: 'float32', shape, data: (await t.data()) as Float32Array };
  if (t.dtype === 'int32') return { dtype: 'int32', shape, data: (await t.data()) as Int32Array };
  if (t.dtype === 'bool') return { dtype: 'bool', shape, data: (await t.data()) as Uint8Array };
  throw new Error(`toHostTensor: a ${t.dtype} tensor has no host form`);
}

/** Host copies of a state dict's tensors (e.g. `model.stateDict()` or `loraStateDict(model)`), keys and order kept. */
export async function toHostTensors(dict: StateDict): Promise<Map<string, HostTensor>> {
  const out = new Map<string, HostTensor>();
  for (const [key, t] of stateDictEntries(dict)) out.set(key, await toHostTensor(t));
  return out;
}

/** Checkpoint host tensors with float16/bfloat16 data (raw bits) decoded to float32; other tensors as they are. */
export function coreStateDict(tensors: ReadonlyMap<string, HostTensor>): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [key, t] of tensors) {
    out.set(key, t.dtype === 'float16' || t.dtype === 'bfloat16' ? { dtype: 'float32', shape: t.shape, data: hostValues(t) as Float32Array } : t);
  }
  return out;
}
