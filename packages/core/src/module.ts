// A small PyTorch-like module tree: named parameters (tf.Variable, with a trainable flag), named buffers and
// child modules, with state dicts whose keys and layouts are PyTorch's.
import * as tf from '@tensorflow/tfjs-core';

/** Element types of host tensors, named as @lorats/checkpoints names them (16-bit floats hold raw bits in a Uint16Array). */
export type HostDType = 'float64' | 'float32' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint32' | 'uint16' | 'uint8' | 'bool';

/** The typed arrays a host tensor's `data` can be. */
export type HostData = Float64Array | Float32Array | BigInt64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

/**
 * A tensor held on the host (`data` row-major, length = product of `shape`): what @lorats/checkpoints' readers return
 * and its writers take, so host tensors pass between the two packages without conversion.
 */
export interface HostTensor {
  dtype: HostDType;
  shape: number[];
  data: HostData;
}

/** What a state dict may hold besides tf tensors: a `HostTensor`, or other dtype spellings (`F32`, `torch.float16`) and plain arrays. */
export interface HostTensorLike {
  dtype: string;
  shape: number[];
  data: ArrayLike<number> | BigInt64Array;
}

/** A value a state dict may hold: a tf tensor or a host tensor. */
export type StateDictValue = tf.Tensor | HostTensorLike;

/** A state dict: keys (PyTorch spelling, e.g. `h.0.attn.c_attn.lora_A`) to tensors. */
export type StateDict<T extends StateDictValue = tf.Tensor> = Map<string, T> | Record<string, T>;

/** Options for `Module.loadStateDict`. */
export interface LoadStateDictOptions {
  /** Require the dict to have exactly this module's keys (PyTorch's `strict`, default true). */
  strict?: boolean;
}

/** What `loadStateDict` did not match: keys the module has but the dict lacks, and the reverse. */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** Iterates the entries of a Map or a plain record. */
export function stateDictEntries<T extends StateDictValue>(dict: StateDict<T>): Array<[string, T]> {
  return dict instanceof Map ? [...dict.entries()] : Object.entries(dict);
}

function isHostTensor(v: StateDictValue): v is HostTensorLike {
  return !(v instanceof tf.Tensor);
}

/** The tfjs dtype a checkpoint dtype spelling (`F32`, `torch.float16`, `BF16`, `I64`, …) loads as; undefined if unsupported. */
function tfDtypeOf(dtype: string): tf.DataType | undefined {
  const d = dtype.toLowerCase().replace(/^torch\./, '');
  if (['float32', 'f32', 'float', 'float64', 'f64', 'double', 'float16', 'f16', 'half', 'bfloat16', 'bf16'].includes(d)) return 'float32';
  if (['int32', 'i32', 'int', 'int64', 'i64', 'long', 'int16', 'i16', 'int8', 'i8', 'uint8', 'u8'].includes(d)) return 'int32';
  if (d === 'bool') return 'bool';
  return undefined;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Decodes host data to numbers; 16-bit float formats given as raw Uint16 bits are converted. */
export function hostValues(value: HostTensorLike): Float32Array | Int32Array | Uint8Array | number[] {
  const d = value.dtype.toLowerCase().replace(/^torch\./, '');
  const data = value.data;
  if (data instanceof Uint16Array && (d === 'float16' || d === 'f16' || d === 'half')) return Float32Array.from(data, halfToFloat);
  if (data instanceof Uint16Array && (d === 'bfloat16' || d === 'bf16')) {
    return new Float32Array(Uint32Array.from(data, (b) => b << 16).buffer);
  }
  if (data instanceof BigInt64Array) return Int32Array.from(data, (v) => Number(v));
  if (data instanceof Float32Array || data instanceof Int32Array || data instanceof Uint8Array || Array.isArray(data)) return data;
  return Array.from(data as ArrayLike<number>);
}

/** Makes a tf tensor from a state-dict value, checking its dtype against `want` (the caller owns the result). */
export function toTensor(value: StateDictValue, want: tf.DataType, key: string): tf.Tensor {
  if (!isHostTensor(value)) {
    if (value.dtype !== want) throw new Error(`state dict key "${key}": dtype ${value.dtype}, expected ${want}`);
    return value.clone();
  }
  const dtype = tfDtypeOf(value.dtype);
  if (dtype !== want) throw new Error(`state dict key "${key}": dtype ${value.dtype}, expected ${want}`);
  const size = value.shape.reduce((a, b) => a * b, 1);
  if (value.data.length !== size) {
    throw new Error(`state dict key "${key}": ${value.data.length} values for shape [${value.shape.join(', ')}]`);
  }
  return tf.tensor(hostValues(value), value.shape, dtype);
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** Base class of every layer and model: a tree of named parameters, buffers and children, like torch.nn.Module. */
export abstract class Module {
  /** Training mode (dropout on; loralib layers with mergeWeights unmerge); set with `train()` / `eval()`. */
  training = true;
  private readonly parameterMap = new Map<string, tf.Variable>();
  private readonly bufferMap = new Map<string, { tensor: tf.Tensor; persistent: boolean }>();
  private readonly moduleMap = new Map<string, Module>();

  /** A short type name used in error messages and `toString()`. */
  get typeName(): string {
    return this.constructor.name;
  }

  /** Registers `init` as a parameter under `name` (taking ownership of `init`) and returns its variable. */
  protected registerParameter(name: string, init: tf.Tensor, trainable = true): tf.Variable {
    if (this.parameterMap.has(name) || this.bufferMap.has(name) || this.moduleMap.has(name)) {
      throw new Error(`${this.typeName}: "${name}" is already registered`);
    }
    const variable = tf.variable(init, trainable);
    init.dispose();
    this.parameterMap.set(name, variable);
    return variable;
  }

  /** Registers a buffer (a tensor that is state but not a parameter, e.g. a causal mask) and keeps it alive. */
  protected registerBuffer(name: string, tensor: tf.Tensor, persistent = true): tf.Tensor {
    if (this.parameterMap.has(name) || this.moduleMap.has(name)) throw new Error(`${this.typeName}: "${name}" is already registered`);
    this.bufferMap.get(name)?.tensor.dispose();
    this.bufferMap.set(name, { tensor: tf.keep(tensor), persistent });
    return tensor;
  }

  /** Registers a child module under `name` and returns it. */
  registerModule<M extends Module>(name: string, module: M): M {
    if (this.parameterMap.has(name) || this.bufferMap.has(name)) throw new Error(`${this.typeName}: "${name}" is already registered`);
    if (name === '' || name.includes('.')) throw new Error(`${this.typeName}: child name "${name}" must be non-empty and contain no "."`);
    this.moduleMap.set(name, module); // like PyTorch, the child keeps its own training mode
    return module;
  }

  /** Removes and disposes a parameter (used when adapters are deleted). */
  protected deleteParameter(name: string): void {
    const v = this.parameterMap.get(name);
    if (v == null) throw new Error(`${this.typeName}: no parameter "${name}"`);
    v.dispose();
    this.parameterMap.delete(name);
  }

  /** This module's own parameter `name`, or undefined. */
  getParameter(name: string): tf.Variable | undefined {
    return this.parameterMap.get(name);
  }

  /** This module's own buffer `name`, or undefined. */
  getBuffer(name: string): tf.Tensor | undefined {
    return this.bufferMap.get(name)?.tensor;
  }

  /** The direct child `name`, or undefined. */
  getChild(name: string): Module | undefined {
    return this.moduleMap.get(name);
  }

  /** The descendant at a dotted path (`h.0.attn`), or an error naming the missing part. */
  getSubmodule(path: string): Module {
    return path === '' ? this : path.split('.').reduce<Module>((m, part) => {
      const next = m.moduleMap.get(part);
      if (next == null) throw new Error(`${this.typeName}: no submodule "${path}" (${m.typeName} has no child "${part}")`);
      return next;
    }, this);
  }

  /** Direct children with their names. */
  namedChildren(): Array<[string, Module]> {
    return [...this.moduleMap.entries()];
  }

  /** This module and all descendants with dotted paths (this module first, as ''), each module once. */
  namedModules(prefix = ''): Array<[string, Module]> {
    const out: Array<[string, Module]> = [];
    const seen = new Set<Module>();
    const visit = (m: Module, path: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([path, m]);
      for (const [name, child] of m.moduleMap) visit(child, path === '' ? name : `${path}.${name}`);
    };
    visit(this, prefix);
    return out;
  }

  /** All parameters with dotted keys, each variable once (first path wins, as PyTorch's named_parameters). */
  namedParameters(prefix = ''): Array<[string, tf.Variable]> {
    const out: Array<[string, tf.Variable]> = [];
    const seen = new Set<tf.Variable>();
    for (const [path, m] of this.namedModules(prefix)) {
      for (const [name, v] of m.parameterMap) {
        if (seen.has(v)) continue;
        seen.add(v);
        out.push([path === '' ? name : `${path}.${name}`, v]);
      }
    }
    return out;
  }

  /** All parameter variables, each once. */
  parameters(): tf.Variable[] {
    return this.namedParameters().map(([, v]) => v);
  }

  /** All buffers with dotted keys. */
  namedBuffers(prefix = ''): Array<[string, tf.Tensor]> {
    const out: Array<[string, tf.Tensor]> = [];
    for (const [path, m] of this.namedModules(prefix)) {
      for (const [name, b] of m.bufferMap) out.push([path === '' ? name : `${path}.${name}`, b.tensor]);
    }
    return out;
  }

  /**
   * The state dict: every parameter and persistent buffer under its PyTorch key (shared tensors under every path).
   * The tensors are the module's own (not copies): read them, do not dispose them.
   */
  stateDict(prefix = ''): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    const visit = (m: Module, path: string): void => {
      const key = (name: string): string => (path === '' ? name : `${path}.${name}`);
      for (const [name, v] of m.parameterMap) out.set(key(name), v);
      for (const [name, b] of m.bufferMap) if (b.persistent) out.set(key(name), b.tensor);
      for (const [name, child] of m.moduleMap) visit(child, key(name));
    };
    visit(this, prefix);
    return out;
  }

  /** Called before `loadStateDict` writes into this module; returns what to run afterwards (LoRA layers unmerge and re-merge). */
  protected beginStateLoad(): () => void {
    return () => {};
  }

  /** Extra keys a module accepts on load as aliases of its own keys (e.g. loralib ConvLoRA's `conv.weight`). */
  protected stateDictAliases(): Map<string, string> {
    return new Map();
  }

  /** The owner module and local name of each state-dict key, for error messages and writes. */
  private stateTargets(): Map<string, { module: Module; path: string; name: string; kind: 'parameter' | 'buffer' }> {
    const out = new Map<string, { module: Module; path: string; name: string; kind: 'parameter' | 'buffer' }>();
    const visit = (m: Module, path: string): void => {
      const key = (name: string): string => (path === '' ? name : `${path}.${name}`);
      for (const name of m.parameterMap.keys()) out.set(key(name), { module: m, path, name, kind: 'parameter' });
      for (const [name, b] of m.bufferMap) if (b.persistent) out.set(key(name), { module: m, path, name, kind: 'buffer' });
      for (const [name, child] of m.moduleMap) visit(child, key(name));
    };
    visit(this, '');
    return out;
  }

  /**
   * Copies values from a state dict (tf tensors or host tensors) into this module's parameters and buffers,
   * checking every shape and dtype first, so a failed load changes nothing.
   */
  loadStateDict(dict: StateDict<StateDictValue>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const { strict = true } = options;
    const targets = this.stateTargets();
    const aliases = new Map<string, string>();
    for (const [path, m] of this.namedModules()) {
      for (const [alias, own] of m.stateDictAliases()) {
        const key = (name: string): string => (path === '' ? name : `${path}.${name}`);
        aliases.set(key(alias), key(own));
      }
    }
    const entries = stateDictEntries(dict);
    const given = new Set(entries.map(([k]) => k));
    const unexpectedKeys: string[] = [];
    const plan: Array<{ key: string; value: StateDictValue }> = [];
    for (const [key, value] of entries) {
      if (targets.has(key)) plan.push({ key, value });
      else if (aliases.has(key)) {
        if (!given.has(aliases.get(key) as string)) plan.push({ key: aliases.get(key) as string, value });
      } else unexpectedKeys.push(key);
    }
    const loaded = new Set(plan.map((p) => p.key));
    const missingKeys = [...targets.keys()].filter((k) => !loaded.has(k));
    if (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0)) {
      const parts: string[] = [];
      if (missingKeys.length > 0) parts.push(`missing keys: ${missingKeys.join(', ')}`);
      if (unexpectedKeys.length > 0) parts.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
      throw new Error(`Error loading state dict into ${this.typeName}: ${parts.join('; ')}`);
    }
    for (const { key, value } of plan) {
      const t = targets.get(key);
      if (t == null) continue;
      const current = t.kind === 'parameter' ? t.module.parameterMap.get(t.name) : t.module.bufferMap.get(t.name)?.tensor;
      if (current == null) continue;
      const where = `${t.module.typeName} at "${t.path === '' ? '<root>' : t.path}"`;
      if (!sameShape(current.shape, value.shape)) {
        throw new Error(`state dict key "${key}" (${where}): shape [${value.shape.join(', ')}] does not match [${current.shape.join(', ')}]`);
      }
      const dtype = isHostTensor(value) ? tfDtypeOf(value.dtype) : value.dtype;
      if (dtype !== current.dtype) {
        throw new Error(`state dict key "${key}" (${where}): dtype ${value.dtype} does not match ${current.dtype}`);
      }
    }
    const touched = new Set(plan.map(({ key }) => targets.get(key)?.module).filter((m): m is Module => m != null));
    const finish = [...touched].map((m) => m.beginStateLoad());
    for (const { key, value } of plan) {
      const t = targets.get(key);
      if (t == null) continue;
      const current = t.kind === 'parameter' ? t.module.parameterMap.get(t.name) : t.module.bufferMap.get(t.name)?.tensor;
      if (current == null) continue;
      const tensor = toTensor(value, current.dtype, key);
      if (t.kind === 'parameter') {
        (current as tf.Variable).assign(tensor);
        tensor.dispose();
      } else {
        const persistent = t.module.bufferMap.get(t.name)?.persistent ?? true;
        current.dispose();
        t.module.bufferMap.set(t.name, { tensor: tf.keep(tensor), persistent });
      }
    }
    for (const done of finish) done();
    return { missingKeys, unexpectedKeys };
  }

  /** Sets training mode on this module and every descendant (PyTorch's `train(mode)`); returns this. */
  train(mode = true): this {
    this.training = mode;
    for (const child of this.moduleMap.values()) child.train(mode);
    return this;
  }

  /** Evaluation mode, the same as `train(false)`; returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Calls `fn` on every module of the tree (children first, as PyTorch's `apply`); returns this. */
  apply(fn: (module: Module) => void): this {
    for (const child of this.moduleMap.values()) child.apply(fn);
    fn(this);
    return this;
  }

  /** Number of elements in all parameters (optionally only trainable ones). */
  numParameters(onlyTrainable = false): number {
    return this.parameters()
      .filter((v) => !onlyTrainable || v.trainable)
      .reduce((n, v) => n + v.size, 0);
  }

  /** Frees every parameter and buffer of the tree; the module is unusable afterwards. */
  dispose(): void {
    const seen = new Set<tf.Tensor>();
    for (const [, m] of this.namedModules()) {
      for (const v of m.parameterMap.values()) if (!seen.has(v)) seen.add(v);
      for (const b of m.bufferMap.values()) if (!seen.has(b.tensor)) seen.add(b.tensor);
      m.parameterMap.clear();
      m.bufferMap.clear();
    }
    for (const t of seen) if (!t.isDisposed) t.dispose();
  }

  /** A PyTorch-style one-line-per-module summary. */
  toString(): string {
    const lines: string[] = [];
    const visit = (m: Module, name: string, depth: number): void => {
      const label = name === '' ? m.typeName : `(${name}): ${m.typeName}`;
      lines.push(`${'  '.repeat(depth)}${label}${m.extraRepr() === '' ? '' : `(${m.extraRepr()})`}`);
      for (const [n, c] of m.moduleMap) visit(c, n, depth + 1);
    };
    visit(this, '', 0);
    return lines.join('\n');
  }

  /** Extra text shown by `toString()` (sizes and options). */
  protected extraRepr(): string {
    return '';
  }
}

/** A module that runs its children in order, like torch.nn.Sequential (children named "0", "1", …). */
export class Sequential extends Module {
  private readonly layers: Array<Module & { forward(x: tf.Tensor): tf.Tensor }>;

  constructor(...layers: Array<Module & { forward(x: tf.Tensor): tf.Tensor }>) {
    super();
    this.layers = layers;
    layers.forEach((l, i) => this.registerModule(String(i), l));
  }

  /** Applies each layer in turn. */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.layers.reduce((h, layer) => layer.forward(h), x));
  }
}

/** A list of child modules named "0", "1", … (torch.nn.ModuleList), e.g. transformer blocks under `h`. */
export class ModuleList<M extends Module = Module> extends Module {
  private readonly items: M[] = [];

  constructor(items: M[] = []) {
    super();
    for (const m of items) this.push(m);
  }

  /** Appends a module (named by its index). */
  push(module: M): void {
    this.registerModule(String(this.items.length), module);
    this.items.push(module);
  }

  /** The module at index `i`. */
  at(i: number): M {
    const m = this.items[i];
    if (m == null) throw new Error(`ModuleList: index ${i} out of range (length ${this.items.length})`);
    return m;
  }

  /** Number of modules. */
  get length(): number {
    return this.items.length;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}
