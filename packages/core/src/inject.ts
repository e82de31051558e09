// Adding LoRA to an existing module tree by target names or regex, without editing the model's code (PEFT's
// get_peft_model / add_adapter / inject_adapter), and the per-model record of each adapter's config.
import { type AdapterOptions, LoraLayer } from './adapters.js';
import type { LoraConfig } from './config.js';
import { Linear } from './linear.js';
import type { Module } from './module.js';
import { checkBiasMode } from './trainable.js';

const configs = new WeakMap<Module, Map<string, LoraConfig>>();

/** The configs of the adapters injected into `model`, by adapter name. */
export function adapterConfigs(model: Module): ReadonlyMap<string, LoraConfig> {
  return configs.get(model) ?? new Map();
}

/** True when `path` is `name` or ends with `.name` (PEFT's target-name rule). */
export function matchesName(path: string, name: string): boolean {
  return path === name || path.endsWith(`.${name}`);
}

/** True when `path` matches `names` (a list, by `matchesName`) or a regex string (full match). */
export function matchesTargets(path: string, names: string[] | string): boolean {
  if (typeof names === 'string') return new RegExp(`^(?:${names})$`).test(path);
  return names.some((n) => matchesName(path, n));
}

/** The value of the first pattern key matching the end of `path` (PEFT's rank_pattern / alpha_pattern rule). */
export function patternValue(pattern: Record<string, number> | undefined, path: string): number | undefined {
  if (pattern == null) return undefined;
  for (const [key, value] of Object.entries(pattern)) if (new RegExp(`^(?:.*\\.)?(?:${key})$`).test(path)) return value;
  return undefined;
}

const COMMON_LAYER_LISTS = ['layers', 'h', 'block', 'blocks', 'layer'];

/** The block index of `path` under one of the layer-list names (`transformer.h.3.attn` → 3), or undefined. */
function layerIndex(path: string, patterns: string[]): number | undefined {
  for (const p of patterns) {
    const m = new RegExp(`(?:^|\\.)${p}\\.(\\d+)(?:\\.|$)`).exec(path);
    if (m != null) return Number(m[1]);
  }
  return undefined;
}

/** Whether a LoRA layer is the model's output projection (excluded by 'all-linear', as in PEFT). */
function isOutputLayer(path: string): boolean {
  return /(?:^|\.)lm_head$/.test(path);
}

/** The modules `config` selects, in tree order; throws naming each target that matches nothing or a module that cannot carry LoRA. */
export function findTargets(model: Module, config: Pick<LoraConfig, 'targets' | 'exclude' | 'layersToTransform' | 'layersPattern'>): Array<[string, LoraLayer]> {
  const modules = model.namedModules().filter(([path]) => path !== '');
  const excluded = (path: string): boolean => config.exclude != null && matchesTargets(path, config.exclude);
  const { targets } = config;
  let selected: Array<[string, Module]>;
  if (targets === 'all-linear') {
    selected = modules.filter(([path, m]) => m instanceof Linear && !isOutputLayer(path));
  } else if (typeof targets === 'string') {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${targets})$`);
    } catch (err) {
      throw new Error(`LoRA targets: invalid regex "${targets}" (${(err as Error).message})`);
    }
    selected = modules.filter(([path]) => re.test(path));
    if (selected.length === 0) throw new Error(`LoRA target regex "${targets}" matches no module of ${model.typeName}`);
  } else {
    if (targets.length === 0) throw new Error('LoRA targets: the list is empty');
    for (const name of targets) {
      if (!modules.some(([path]) => matchesName(path, name))) {
        const lastNames = [...new Set(modules.map(([p]) => p.slice(p.lastIndexOf('.') + 1)))].filter((n) => !/^\d+$/.test(n));
        throw new Error(`LoRA target module "${name}" not found in ${model.typeName} (module names: ${lastNames.join(', ')})`);
      }
    }
    selected = modules.filter(([path]) => targets.some((n) => matchesName(path, n)));
  }
  selected = selected.filter(([path]) => !excluded(path));
  if (config.layersToTransform != null) {
    const patterns = config.layersPattern == null ? COMMON_LAYER_LISTS : typeof config.layersPattern === 'string' ? [config.layersPattern] : config.layersPattern;
    selected = selected.filter(([path]) => {
      const i = layerIndex(path, patterns);
      return i != null && (config.layersToTransform as number[]).includes(i);
    });
  }
  if (selected.length === 0) throw new Error(`LoRA targets ${JSON.stringify(targets)} select no module of ${model.typeName} (after exclude / layersToTransform)`);
  for (const [path, m] of selected) {
    if (!(m instanceof LoraLayer)) {
      throw new Error(`LoRA target "${path}" is a ${m.typeName}, which cannot carry LoRA (Linear, MergedLinear, Embedding, Conv1d/2d/3d can)`);
    }
  }
  return selected as Array<[string, LoraLayer]>;
}

/** Paths of the modules `modulesToSave` names (suffix match), or an error naming an unknown one. */
export function findModulesToSave(model: Module, names: readonly string[]): string[] {
  const modules = model.namedModules().filter(([path]) => path !== '');
  const out: string[] = [];
  for (const name of names) {
    const hits = modules.filter(([path]) => matchesName(path, name)).map(([p]) => p);
    if (hits.length === 0) throw new Error(`modulesToSave "${name}" not found in ${model.typeName}`);
    for (const h of hits) if (!out.some((p) => h === p || h.startsWith(`${p}.`))) out.push(h);
  }
  return out;
}

/**
 * Sets which parameters train as PEFT does: base frozen; A and B of each layer's active adapters; biases per the
 * bias mode; every parameter of modulesToSave.
 */
export function markAdaptersTrainable(model: Module, bias: LoraConfig['bias'] = 'none', modulesToSave: readonly string[] = []): void {
  const mode = checkBiasMode(bias);
  for (const [, v] of model.namedParameters()) v.trainable = false;
  for (const [, m] of model.namedModules()) {
    if (!(m instanceof LoraLayer)) continue;
    for (const name of m.activeAdapters) {
      const a = m.adapter(name);
      a.loraA.trainable = true;
      a.loraB.trainable = true;
    }
    if (mode === 'lora_only' && m.adapters.size > 0 && m.bias != null) m.bias.trainable = true;
  }
  if (mode === 'all') for (const [key, v] of model.namedParameters()) if (key.includes('bias')) v.trainable = true;
  for (const path of findModulesToSave(model, modulesToSave)) for (const v of model.getSubmodule(path).parameters()) v.trainable = true;
}

/**
 * Adds adapter `name` to every module `config` selects (names with suffix match, a regex, or 'all-linear'; minus
 * `exclude`), freezes the base and makes the active adapters trainable; returns the adapted module paths.
 */
export function injectLora(model: Module, config: LoraConfig, name = 'default'): string[] {
  if (adapterConfigs(model).has(name)) throw new Error(`${model.typeName}: adapter "${name}" already exists`);
  if (!Number.isInteger(config.rank) || config.rank <= 0) throw new Error(`LoraConfig: rank must be a positive integer, got ${config.rank}`);
  checkBiasMode(config.bias ?? 'none');
  const targets = findTargets(model, config);
  const modulesToSave = findModulesToSave(model, config.modulesToSave ?? []);
  for (const path of modulesToSave) {
    if (targets.some(([p]) => p === path || p.startsWith(`${path}.`))) throw new Error(`"${path}" is both a LoRA target and in modulesToSave`);
  }
  const added: LoraLayer[] = [];
  try {
    for (const [path, layer] of targets) {
      const groups = config.enableLora == null ? undefined : Object.entries(config.enableLora).find(([n]) => matchesName(path, n))?.[1];
      const options: AdapterOptions = {
        rank: patternValue(config.rankPattern, path) ?? config.rank,
        alpha: patternValue(config.alphaPattern, path) ?? config.alpha,
        dropout: config.dropout ?? 0,
        useRsLora: config.useRsLora ?? false,
        init: config.init ?? true,
      };
      if (groups != null) options.enableLora = groups;
      try {
        layer.addAdapter(name, options);
      } catch (err) {
        throw new Error(`LoRA target "${path}": ${(err as Error).message}`);
      }
      added.push(layer);
      if (config.mergeWeights != null) layer.mergeWeights = config.mergeWeights;
    }
  } catch (err) {
    for (const layer of added) layer.deleteAdapter(name);
    throw err;
  }
  const map = configs.get(model) ?? new Map<string, LoraConfig>();
  map.set(name, { ...config });
  configs.set(model, map);
  markAdaptersTrainable(model, config.bias, config.modulesToSave);
  return targets.map(([p]) => p);
}

/** Records `config` as adapter `name`'s config on `model` (used by adapters built outside `injectLora`). */
export function recordAdapterConfig(model: Module, name: string, config: LoraConfig): void {
  const map = configs.get(model) ?? new Map<string, LoraConfig>();
  map.set(name, { ...config });
  configs.set(model, map);
}

/** Forgets adapter `name`'s config on `model`. */
export function forgetAdapterConfig(model: Module, name: string): void {
  configs.get(model)?.delete(name);
}
