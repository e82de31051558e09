// How a torch kernel is declared: a tfjs KernelConfig whose kernelFunc receives the TorchBackend.
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

import { DTYPE_CODE } from '../addon.js';
import type { TorchBackend } from '../backend.js';

export const BACKEND_NAME = 'torch';

export interface TorchKernelArgs {
  inputs: NamedTensorInfoMap;
  backend: TorchBackend;
  attrs: NamedAttrMap;
}

export type TorchKernelFunc = (args: TorchKernelArgs) => TensorInfo | TensorInfo[];

/** A kernel config for the torch backend. */
export function kernel(kernelName: string, fn: TorchKernelFunc): KernelConfig {
  return {
    kernelName,
    backendName: BACKEND_NAME,
    kernelFunc: ({ inputs, backend, attrs }) => fn({ inputs, backend: backend as TorchBackend, attrs: attrs ?? {} }),
  };
}

/** The dtype code of a tfjs dtype the addon stores (string and complex tensors have no kernels). */
export function code(dtype: string): number {
  if (dtype === 'float32' || dtype === 'int32' || dtype === 'bool') return DTYPE_CODE[dtype];
  throw new Error(`the torch backend has no kernels for ${dtype} tensors`);
}

/** Reads a required input, with a clear error when it is missing. */
export function input(inputs: NamedTensorInfoMap, name: string, kernelName: string): TensorInfo {
  const t = inputs[name];
  if (t == null) throw new Error(`${kernelName}: missing input '${name}'`);
  return t;
}

/** The positional inputs of list kernels (Concat, Pack, AddN), which tfjs passes as an array. */
export function inputList(inputs: NamedTensorInfoMap): TensorInfo[] {
  return Object.values(inputs).filter((t): t is TensorInfo => t != null);
}

export function numberAttr(attrs: NamedAttrMap, name: string, fallback?: number): number {
  const v = attrs[name];
  if (typeof v === 'number') return v;
  if (v == null && fallback !== undefined) return fallback;
  throw new Error(`attribute '${name}' must be a number (got ${String(v)})`);
}

export function boolAttr(attrs: NamedAttrMap, name: string, fallback = false): boolean {
  const v = attrs[name];
  return v == null ? fallback : Boolean(v);
}

export function numbersAttr(attrs: NamedAttrMap, name: string): number[] {
  const v = attrs[name];
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.map(Number);
  throw new Error(`attribute '${name}' must be a number array (got ${String(v)})`);
}

export function stringAttr(attrs: NamedAttrMap, name: string, fallback?: string): string {
  const v = attrs[name];
  if (typeof v === 'string') return v;
  if (v == null && fallback !== undefined) return fallback;
  throw new Error(`attribute '${name}' must be a string (got ${String(v)})`);
}

export interface OpCodes {
  unary(name: string): number;
  binary(name: string): number;
}

const codeCache = new WeakMap<object, OpCodes>();

/** The addon's unary/binary op codes by kernel name (read once per addon). */
export function opCodes(addon: { unaryOps(): string[]; binaryOps(): string[] }): OpCodes {
  let c = codeCache.get(addon);
  if (!c) {
    const unary = new Map(addon.unaryOps().map((n, i) => [n, i]));
    const binary = new Map(addon.binaryOps().map((n, i) => [n, i]));
    const get = (m: Map<string, number>, n: string): number => {
      const v = m.get(n);
      if (v === undefined) throw new Error(`the torch addon has no op ${n}`);
      return v;
    };
    c = { unary: (n) => get(unary, n), binary: (n) => get(binary, n) };
    codeCache.set(addon, c);
  }
  return c;
}
