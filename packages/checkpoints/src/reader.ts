// The interface every checkpoint reader implements: list tensors from the header, read each on demand.
import type { DType, HostTensor, StateDict } from './dtype.js';
import { MissingEntryError } from './errors.js';
import { toFloat32 } from './tensor.js';

export type CheckpointFormat = 'safetensors' | 'torch-zip' | 'torch-legacy';

/** What the header says about one tensor, before its data is read. */
export interface TensorInfo {
  /** dtype as stored in the file. */
  dtype: DType;
  shape: number[];
}

export interface ReadOptions {
  /** Keep float16/bfloat16 as raw bits (`Uint16Array`) instead of decoding them to float32. Default false. */
  raw?: boolean;
}

/** An open checkpoint file. Only the header is read on open; `read` fetches one tensor's bytes by offset. */
export interface CheckpointReader {
  readonly file: string;
  readonly format: CheckpointFormat;
  /** safetensors `__metadata__`; empty for PyTorch files. */
  readonly metadata: Record<string, string>;
  /** Tensor names in file order. Nested dicts are joined with dots (`model_state_dict.h.0.attn.lora_A`). */
  keys(): string[];
  has(key: string): boolean;
  info(key: string): TensorInfo;
  read(key: string, options?: ReadOptions): Promise<HostTensor>;
  /** Every tensor; memory is the sum of the tensors (float16 files double when decoded to float32). */
  readAll(options?: ReadOptions): Promise<StateDict>;
  close(): Promise<void>;
}

/** Finishes a read: decodes float16/bfloat16 unless `raw`. */
export function finishRead(t: HostTensor, options: ReadOptions | undefined): HostTensor {
  return options?.raw ? t : toFloat32(t);
}

export function missingTensor(file: string, key: string): MissingEntryError {
  return new MissingEntryError(file, 'no tensor with this name', { key });
}

export async function readAllOf(reader: CheckpointReader, options?: ReadOptions): Promise<StateDict> {
  const out: StateDict = new Map();
  for (const key of reader.keys()) out.set(key, await reader.read(key, options));
  return out;
}
