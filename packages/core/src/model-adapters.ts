// Adapter lifecycle over a whole model (PEFT's set_adapter, disable/enable, delete, merge/unmerge,
// merge_and_unload, unload), applied to every LoRA layer of the tree.
import { LoraLayer } from './adapters.js';
import { adapterConfigs, forgetAdapterConfig, markAdaptersTrainable } from './inject.js';
import type { Module } from './module.js';

/** Every LoRA-capable layer of the tree with its path. */
export function loraLayers(model: Module): Array<[string, LoraLayer]> {
  return model.namedModules().filter((e): e is [string, LoraLayer] => e[1] instanceof LoraLayer);
}

/** Names of all adapters present anywhere in the model, in first-seen order. */
export function adapterNames(model: Module): string[] {
  const names = new Set<string>();
  for (const [, layer] of loraLayers(model)) for (const n of layer.adapters.keys()) names.add(n);
  return [...names];
}

function checkKnown(model: Module, names: readonly string[]): void {
  const known = adapterNames(model);
  for (const n of names) {
    if (!known.includes(n)) throw new Error(`${model.typeName}: unknown adapter "${n}" (has ${known.length === 0 ? 'none' : known.join(', ')})`);
  }
}

/** Activates the named adapter(s) on every layer that has them (PEFT's set_adapter); only they train. */
export function setActiveAdapter(model: Module, names: string | readonly string[]): void {
  const list = typeof names === 'string' ? [names] : names.slice();
  checkKnown(model, list);
  for (const [, layer] of loraLayers(model)) layer.setActiveAdapters(list.filter((n) => layer.adapters.has(n)));
  const config = adapterConfigs(model).get(list[0]);
  markAdaptersTrainable(model, config?.bias ?? 'none', config?.modulesToSave ?? []);
}

/** Runs every LoRA layer as its base layer until `enableAdapters` (merged adapters are unmerged first). */
export function disableAdapters(model: Module): void {
  for (const [, layer] of loraLayers(model)) layer.disableAdapters();
}

/** Undoes `disableAdapters`. */
export function enableAdapters(model: Module): void {
  for (const [, layer] of loraLayers(model)) layer.enableAdapters();
}

/** Runs `fn` with adapters disabled, then re-enables them (PEFT's `with model.disable_adapter():`). */
export function withAdaptersDisabled<T>(model: Module, fn: () => T): T {
  disableAdapters(model);
  try {
    return fn();
  } finally {
    enableAdapters(model);
  }
}

/** Removes adapter `name` from every layer and frees its weights. */
export function deleteAdapter(model: Module, name: string): void {
  checkKnown(model, [name]);
  for (const [, layer] of loraLayers(model)) if (layer.adapters.has(name)) layer.deleteAdapter(name);
  forgetAdapterConfig(model, name);
}

/** Merges the named adapters (default: each layer's active ones) into the base weights; reversible with `unmergeAdapters`. */
export function mergeAdapters(model: Module, names?: readonly string[]): void {
  if (names != null) checkKnown(model, names);
  for (const [, layer] of loraLayers(model)) layer.merge(names == null ? layer.activeAdapters : names.filter((n) => layer.adapters.has(n)));
}

/** Unmerges every merged adapter. */
export function unmergeAdapters(model: Module): void {
  for (const [, layer] of loraLayers(model)) layer.unmerge();
}

/** Folds the active adapters into the base weights and removes all adapters (PEFT's merge_and_unload); returns the model. */
export function mergeAndUnload<M extends Module>(model: M): M {
  for (const [, layer] of loraLayers(model)) layer.unloadAdapters(true);
  for (const name of [...adapterConfigs(model).keys()]) forgetAdapterConfig(model, name);
  return model;
}

/** Removes all adapters without merging (merged ones are unmerged first), giving back the base model; returns it. */
export function unload<M extends Module>(model: M): M {
  for (const [, layer] of loraLayers(model)) layer.unloadAdapters(false);
  for (const name of [...adapterConfigs(model).keys()]) forgetAdapterConfig(model, name);
  return model;
}
