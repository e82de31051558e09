// A reader over an unpickled torch.save object: tensors are strided views of storages, read on demand.
import { allocate, dtypeSize, numel, swapBytes, type HostTensor, type StateDict } from './dtype.js';
import { CorruptCheckpointError, TruncatedCheckpointError, UnsupportedDTypeError } from './errors.js';
import type { PyValue } from './pickle.js';
import { allocateTensor } from './source.js';
import { finishRead, missingTensor, readAllOf, type CheckpointReader, type ReadOptions, type TensorInfo } from './reader.js';
import { flattenTorch, type StorageRef, type TensorRef } from './torch-pickle.js';

/** Where a format keeps its storages' bytes. */
export interface StorageStore {
  /** Bytes the file holds for the storage (throws when it has none). */
  byteLength(storage: StorageRef, tensorKey: string): Promise<number>;
  /** Reads `into.length` bytes at `byteOffset` of the storage. */
  read(storage: StorageRef, byteOffset: number, into: Uint8Array, tensorKey: string): Promise<void>;
  /** True when the file's storages are big-endian (bytes are swapped on read). */
  readonly bigEndian: boolean;
  close(): Promise<void>;
}

/** An open PyTorch checkpoint (zip or legacy format). */
export class TorchReader implements CheckpointReader {
  readonly metadata: Record<string, string> = {};
  /** Tensor references by dotted name, in pickle order. */
  readonly tensorRefs: Map<string, TensorRef>;
  /** Non-tensor leaves (epoch counters, hyper-parameters...) by dotted name. */
  readonly values: Map<string, PyValue>;

  constructor(
    readonly file: string,
    readonly format: 'torch-zip' | 'torch-legacy',
    /** The whole unpickled object, tensors as `TensorRef`s. */
    readonly root: PyValue,
    private readonly store: StorageStore,
  ) {
    const flat = flattenTorch(file, root);
    this.tensorRefs = flat.tensors;
    this.values = flat.values;
  }

  keys(): string[] {
    return [...this.tensorRefs.keys()];
  }

  has(key: string): boolean {
    return this.tensorRefs.has(key);
  }

  private ref(key: string): TensorRef {
    const ref = this.tensorRefs.get(key);
    if (!ref) throw missingTensor(this.file, key);
    return ref;
  }

  info(key: string): TensorInfo {
    const ref = this.ref(key);
    if (!ref.dtype) throw new UnsupportedDTypeError(this.file, ref.dtypeName, { key });
    return { dtype: ref.dtype, shape: [...ref.shape] };
  }

  /** Where the tensor lives: storage key, device it was saved from, offset and strides. */
  layout(key: string): { storage: string; location: string; offset: number; stride: number[] } {
    const ref = this.ref(key);
    return { storage: ref.storage.key, location: ref.storage.location, offset: ref.offset, stride: [...ref.stride] };
  }

  async read(key: string, options?: ReadOptions): Promise<HostTensor> {
    const ref = this.ref(key);
    const dtype = ref.dtype;
    if (!dtype) throw new UnsupportedDTypeError(this.file, ref.dtypeName, { key });
    const size = dtypeSize(dtype);
    const shape = [...ref.shape];
    const n = numel(shape);
    if (n === 0) return finishRead({ dtype, shape, data: allocate(dtype, 0) }, options);
    // element span [ref.offset, last] this view touches
    let last = ref.offset;
    for (let i = 0; i < shape.length; i++) last += (shape[i] - 1) * ref.stride[i];
    const spanBytes = (last - ref.offset + 1) * size;
    const startByte = ref.storage.viewOffset * (ref.storage.type.dtype ? dtypeSize(ref.storage.type.dtype) : 1) + ref.offset * size;
    if (!Number.isSafeInteger(startByte + spanBytes)) throw new CorruptCheckpointError(this.file, 'tensor extent overflows', { key });
    const declared = ref.storage.viewOffset * (ref.storage.type.dtype ? dtypeSize(ref.storage.type.dtype) : 1) + ref.storage.byteLength;
    if (startByte + spanBytes > declared) {
      throw new CorruptCheckpointError(
        this.file,
        `tensor [${shape.join(', ')}] at offset ${ref.offset} with stride (${ref.stride.join(', ')}) runs past its storage of ${ref.storage.numel} elements`,
        { key },
      );
    }
    const available = await this.store.byteLength(ref.storage, key);
    if (startByte + spanBytes > available) {
      throw new TruncatedCheckpointError(this.file, `storage ${ref.storage.key} holds ${available} bytes, but the tensor needs bytes up to ${startByte + spanBytes}`, { key });
    }
    const contiguous = isContiguous(shape, ref.stride);
    const out = allocateTensor(this.file, key, dtype, n);
    const outBytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    if (contiguous) {
      await this.store.read(ref.storage, startByte, outBytes, key);
    } else {
      const span = allocateTensor(this.file, key, 'uint8', spanBytes) as Uint8Array;
      await this.store.read(ref.storage, startByte, span, key);
      gather(span, outBytes, size, shape, ref.stride);
    }
    if (this.store.bigEndian) swapBytes(outBytes, size);
    return finishRead({ dtype, shape, data: out }, options);
  }

  readAll(options?: ReadOptions): Promise<StateDict> {
    return readAllOf(this, options);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

function isContiguous(shape: number[], stride: number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

/** Copies a strided view (element strides, relative to `src[0]`) into row-major `dst`. */
function gather(src: Uint8Array, dst: Uint8Array, size: number, shape: number[], stride: number[]): void {
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  const n = dst.length / size;
  let at = 0; // source element offset
  const inner = rank - 1;
  for (let k = 0; k < n; ) {
    // copy the innermost row
    const len = shape[inner];
    const s = stride[inner];
    for (let j = 0; j < len; j++, k++) {
      const from = (at + j * s) * size;
      for (let b = 0; b < size; b++) dst[k * size + b] = src[from + b];
    }
    // advance the outer indices
    let d = inner - 1;
    for (; d >= 0; d--) {
      index[d]++;
      at += stride[d];
      if (index[d] < shape[d]) break;
      at -= stride[d] * shape[d];
      index[d] = 0;
    }
    if (d < 0) break;
  }
}
