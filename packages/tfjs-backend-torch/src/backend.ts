// The tfjs KernelBackend over libtorch: every tensor is a handle into the addon's table; data crosses to JS only
// when read. Reference counting follows tfjs-backend-cpu, so tf.memory() and dispose are exact.
import { engine, KernelBackend, util } from '@tensorflow/tfjs-core';
import type { BackendTimingInfo, BackendValues, DataId, DataType, TensorInfo } from '@tensorflow/tfjs-core';

import { DTYPE_CODE } from './addon.js';
import type { Handle, NativeStats, TorchAddon, TorchDType } from './addon.js';

interface TensorData {
  /** Index into the addon's table; -1 for string and complex64 tensors, which live in JS and have no kernels. */
  handle: Handle;
  refCount: number;
  dtype: DataType;
  /**
   * Shape of the native tensor behind `handle`. Tensors that share this data may have other shapes: Reshape,
   * ExpandDims and Squeeze only change the TensorInfo's shape (as tfjs-backend-cpu does), and the native view with
   * the consumer's shape is made when a kernel first reads the data under that shape (see `handle`).
   */
  shape: readonly number[];
  values: BackendValues | undefined;
  /** Native reshaped views of `handle`, made on first use, released with the record. */
  views: View[] | undefined;
}

interface View {
  shape: readonly number[];
  handle: Handle;
  bytes: number;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** What `tf.memory()` reports for this backend, next to the engine's own counts. */
export interface TorchMemoryInfo {
  unreliable: boolean;
  reasons?: string[];
  /** Tensors and bytes held by the addon (native memory). */
  numNativeTensors: number;
  numNativeBytes: number;
  /** CUDA allocator statistics on a CUDA device. */
  numBytesInGPUAllocated?: number;
  numBytesInGPUPeak?: number;
  numBytesInGPUReserved?: number;
}

const META_LENGTH = 4096;

function isTorchDType(dtype: DataType): dtype is TorchDType {
  return dtype === 'float32' || dtype === 'int32' || dtype === 'bool';
}

function typedFor(values: BackendValues, dtype: TorchDType): Float32Array | Int32Array | Uint8Array {
  if (dtype === 'float32') return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
  if (dtype === 'int32') return values instanceof Int32Array ? values : Int32Array.from(values as ArrayLike<number>);
  return values instanceof Uint8Array ? values : Uint8Array.from(values as ArrayLike<number>);
}

const CODE_DTYPE: readonly TorchDType[] = ['float32', 'int32', 'bool'];

/** The `torch` backend: one libtorch device (`cpu` or `cuda:N`) per instance. */
export class TorchBackend extends KernelBackend {
  readonly addon: TorchAddon;
  readonly device: string;
  /**
   * Records by dataId. A plain Map, not tfjs's WeakMap-based DataStorage: every record is deleted explicitly in
   * disposeData, and thousands of short-lived weak entries per training step cost real garbage-collection time.
   */
  private readonly data = new Map<DataId, TensorData>();
  private readonly meta = new Int32Array(META_LENGTH);
  /** Live native views (see TensorData.views): memory() leaves them out, so native counts match tfjs's buffers. */
  private viewCount = 0;
  private viewBytes = 0;

  constructor(addon: TorchAddon, device: string) {
    super();
    this.addon = addon;
    addon.init(this.meta);
    this.device = addon.setDevice(device);
  }

  // ---- storage ------------------------------------------------------------------------------------------------

  override write(values: BackendValues, shape: number[], dtype: DataType): DataId {
    const dataId = {};
    this.data.set(dataId, this.store(values, shape, dtype, 1));
    return dataId;
  }

  override move(dataId: DataId, values: BackendValues, shape: number[], dtype: DataType, refCount: number): void {
    this.data.set(dataId, this.store(values, shape, dtype, refCount));
  }

  private store(values: BackendValues, shape: number[], dtype: DataType, refCount: number): TensorData {
    // string and complex64 tensors stay in JS (readable, movable to another backend) and have no torch kernels
    if (dtype === 'string' || dtype === 'complex64') return { handle: -1, refCount, dtype, shape: shape.slice(), values, views: undefined };
    if (!isTorchDType(dtype)) throw new Error(`the torch backend does not support ${dtype} tensors`);
    const handle = this.addon.fromData(typedFor(values, dtype), shape, DTYPE_CODE[dtype]);
    return { handle, refCount, dtype, shape: shape.slice(), values: undefined, views: undefined };
  }

  /** The record of a dataId, moving the data here first when another backend holds it. */
  private get(dataId: DataId): TensorData {
    let d = this.data.get(dataId);
    if (d === undefined) {
      engine().moveData(this, dataId);
      d = this.data.get(dataId);
      if (d === undefined) throw new Error('torch backend: tensor data not found (disposed?)');
    }
    return d;
  }

  override readSync(dataId: DataId): BackendValues {
    const d = this.get(dataId);
    return d.values ?? this.addon.toData(d.handle);
  }

  override async read(dataId: DataId): Promise<BackendValues> {
    return this.readSync(dataId);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const d = this.data.get(dataId);
    if (d === undefined) return true;
    d.refCount--;
    if (!force && d.refCount > 0) return false;
    if (d.handle >= 0) this.addon.release(d.handle);
    if (d.views !== undefined) {
      for (const v of d.views) {
        this.addon.release(v.handle);
        this.viewCount--;
        this.viewBytes -= v.bytes;
      }
    }
    this.data.delete(dataId);
    return true;
  }

  override refCount(dataId: DataId): number {
    return this.data.get(dataId)?.refCount ?? 0;
  }

  override incRef(dataId: DataId): void {
    this.get(dataId).refCount++;
  }

  override numDataIds(): number {
    return this.data.size;
  }

  override memory(): TorchMemoryInfo {
    const s: NativeStats = this.addon.stats();
    return {
      unreliable: false,
      numNativeTensors: s.tensors - this.viewCount,
      numNativeBytes: s.bytes - this.viewBytes,
      ...(s.deviceAllocated !== undefined && {
        numBytesInGPUAllocated: s.deviceAllocated,
        numBytesInGPUPeak: s.devicePeak,
        numBytesInGPUReserved: s.deviceReserved,
      }),
    };
  }

  override timerAvailable(): boolean {
    return true;
  }

  override async time(f: () => void): Promise<BackendTimingInfo> {
    this.addon.sync();
    const start = util.now();
    f();
    this.addon.sync();
    return { kernelMs: util.now() - start };
  }

  override floatPrecision(): 32 {
    return 32;
  }

  override dispose(): void {
    // The engine disposes tensors before the backend; anything left is released with the table when the process exits.
  }

  // ---- helpers for kernels ------------------------------------------------------------------------------------

  /**
   * The native handle of a kernel input with the input's shape (moving it from another backend if needed). Data
   * reshaped in JS gets a native view with that shape on first use, cached on the record.
   */
  handle(t: TensorInfo): Handle {
    let d = this.data.get(t.dataId);
    if (d === undefined) d = this.get(t.dataId);
    if (d.handle < 0) throw new Error(`the torch backend has no kernels for ${d.dtype} tensors`);
    return sameShape(t.shape, d.shape) ? d.handle : this.view(d, t.shape);
  }

  private view(d: TensorData, shape: readonly number[]): Handle {
    if (d.views !== undefined) for (const v of d.views) if (sameShape(v.shape, shape)) return v.handle;
    const handle = this.addon.reshape(d.handle, shape);
    const bytes = util.sizeFromShape(shape as number[]) * (d.dtype === 'bool' ? 1 : 4);
    (d.views ??= []).push({ shape: shape.slice(), handle, bytes });
    this.viewCount++;
    this.viewBytes += bytes;
    return handle;
  }

  /** A handle for an optional input, -1 when absent. */
  optionalHandle(t: TensorInfo | undefined | null): Handle {
    return t == null ? -1 : this.handle(t);
  }

  /** Wraps the addon's last single output as a TensorInfo (dtype and shape from the meta buffer). */
  output(h: Handle): TensorInfo {
    const m = this.meta;
    const dtype = CODE_DTYPE[m[1]];
    const rank = m[2];
    const shape = new Array<number>(rank);
    for (let i = 0; i < rank; i++) shape[i] = m[3 + i];
    return this.record(h, dtype, shape);
  }

  /** Wraps the addon's last multi-output call. */
  outputs(hs: Handle[]): TensorInfo[] {
    const m = this.meta;
    const infos = new Array<TensorInfo>(hs.length);
    let pos = 1;
    for (let k = 0; k < hs.length; k++) {
      const dtype = CODE_DTYPE[m[pos]];
      const rank = m[pos + 1];
      const shape = new Array<number>(rank);
      for (let i = 0; i < rank; i++) shape[i] = m[pos + 2 + i];
      infos[k] = this.record(hs[k], dtype, shape);
      pos += 2 + rank;
    }
    return infos;
  }

  private record(handle: Handle, dtype: DataType, shape: number[]): TensorInfo {
    const dataId = {};
    this.data.set(dataId, { handle, refCount: 1, dtype, shape, values: undefined, views: undefined });
    return { dataId, shape, dtype };
  }

  /** An output that shares the input's data (Identity-like and metadata-only kernels), with the shape and dtype given. */
  shareData(x: TensorInfo, shape: number[] = x.shape, dtype: DataType = x.dtype): TensorInfo {
    this.incRef(x.dataId);
    return { dataId: x.dataId, shape, dtype };
  }

  /** A new tensor from JS values. */
  makeTensorInfo(shape: number[], dtype: DataType, values: BackendValues): TensorInfo {
    return { dataId: this.write(values, shape, dtype), shape, dtype };
  }

  /** Frees an intermediate TensorInfo made inside a kernel. */
  disposeIntermediateTensorInfo(t: TensorInfo): void {
    this.disposeData(t.dataId);
  }

  /** Waits for queued device work (CUDA); no-op on the CPU. */
  sync(): void {
    this.addon.sync();
  }
}
