// Weighted combination of adapters into a new one (PEFT's add_weighted_adapter, 'linear' and 'cat').
import * as tf from '@tensorflow/tfjs-core';
import type { LoraAdapter, LoraLayer } from './adapters.js';
import { adapterConfigs, recordAdapterConfig } from './inject.js';
import { adapterNames, loraLayers } from './model-adapters.js';
import type { Module } from './module.js';

/** How `addWeightedAdapter` combines: 'linear' (equal ranks; A and B mixed separately) or 'cat' (exact ΔW = Σ wᵢ·ΔWᵢ). */
export type CombinationType = 'linear' | 'cat';

/** Row blocks of a factor per MergedLinear group (the whole factor when ungrouped), split along `axis`. */
function groupBlocks(t: tf.Tensor, groups: number, axis: 0 | 1): tf.Tensor[] {
  return groups === 1 ? [t] : tf.split(t, groups, axis);
}

/**
 * Adds adapter `name` combining `adapters` with `weights` on every layer that has any of them. 'cat': A = concat(wᵢ·sᵢ·Aᵢ)
 * (dim 0), B = concat(Bᵢ) (dim 1), rank = Σ rankᵢ, so ΔW = Σ wᵢ·ΔWᵢ exactly; 'linear': A = Σ sign(wᵢ)·√|wᵢ·sᵢ|·Aᵢ,
 * B = Σ √|wᵢ·sᵢ|·Bᵢ (all ranks equal). The new adapter has alpha = rank (scaling 1), as PEFT sets it.
 */
export function addWeightedAdapter(model: Module, adapters: readonly string[], weights: readonly number[], name: string, combination: CombinationType = 'cat'): void {
  if (adapters.length === 0 || adapters.length !== weights.length) throw new Error(`addWeightedAdapter: ${adapters.length} adapters but ${weights.length} weights`);
  if (combination !== 'linear' && combination !== 'cat') throw new Error(`addWeightedAdapter: unknown combination "${String(combination)}" (expected 'linear' | 'cat')`);
  const known = adapterNames(model);
  for (const a of adapters) if (!known.includes(a)) throw new Error(`addWeightedAdapter: unknown adapter "${a}" (has ${known.join(', ') || 'none'})`);
  if (known.includes(name)) throw new Error(`addWeightedAdapter: adapter "${name}" already exists`);
  const type = adapters.length === 1 ? 'linear' : combination;
  const layers = loraLayers(model).filter(([, l]) => adapters.some((a) => l.adapters.has(a)));
  // the new rank is global, as PEFT's: the configured ranks (per layer, the adapters' own)
  const rankOf = (layer: LoraLayer, a: string): number => layer.adapters.get(a)?.rank ?? 0;
  let newRank = 0;
  for (const [path, layer] of layers) {
    const ranks = adapters.map((a) => rankOf(layer, a));
    const present = ranks.filter((r) => r > 0);
    if (type === 'linear' && new Set(present).size > 1) throw new Error(`addWeightedAdapter: 'linear' needs equal ranks, "${path}" has ${adapters.map((a, i) => `${a}=${ranks[i]}`).join(', ')}`);
    newRank = Math.max(newRank, type === 'cat' ? ranks.reduce((x, y) => x + y, 0) : Math.max(...present));
    const groups = adapters.map((a) => layer.adapters.get(a)).filter((a): a is LoraAdapter => a != null).map((a) => JSON.stringify(a.enableLora));
    if (new Set(groups).size > 1) throw new Error(`addWeightedAdapter: adapters on "${path}" have different enableLora groups`);
  }
  const added: LoraLayer[] = [];
  try {
    for (const [, layer] of layers) {
      const present = adapters.map((a, i) => ({ adapter: layer.adapters.get(a), weight: weights[i] })).filter((e): e is { adapter: LoraAdapter; weight: number } => e.adapter != null);
      const first = present[0].adapter;
      const enableLora = first.enableLora == null ? undefined : first.enableLora.slice();
      const E = enableLora == null ? 1 : enableLora.filter(Boolean).length;
      const rank = type === 'linear' ? first.rank : newRank;
      const created = layer.addAdapter(name, { rank, alpha: rank, dropout: first.dropout, enableLora, init: true });
      added.push(layer);
      const [a, b] = tf.tidy(() => {
        // per group k: A_k [units·rank_k, in], B_k [d, units·rank_k]; units = rows of A per rank (k for conv, 1 otherwise)
        const unitsA = created.loraA.shape[0] / (rank * E);
        const aGroups: tf.Tensor[] = [];
        const bGroups: tf.Tensor[] = [];
        for (let g = 0; g < E; g++) {
          const as = present.map(({ adapter }) => groupBlocks(adapter.loraA, E, 0)[g]);
          const bs = present.map(({ adapter }) => groupBlocks(adapter.loraB, E, 0)[g]);
          if (type === 'cat') {
            let aCat = tf.concat(as.map((t, i) => tf.mul(t, present[i].weight * present[i].adapter.scaling)), 0);
            let bCat = tf.concat(bs, 1);
            const pad = rank * unitsA - aCat.shape[0];
            if (pad > 0) {
              aCat = tf.pad(aCat, [[0, pad], [0, 0]]);
              bCat = tf.pad(bCat, [[0, 0], [0, pad]]);
            }
            aGroups.push(aCat);
            bGroups.push(bCat);
          } else {
            const factor = present.map(({ adapter, weight }) => Math.sqrt(Math.abs(weight * adapter.scaling)));
            aGroups.push(tf.addN(as.map((t, i) => tf.mul(t, Math.sign(present[i].weight) * factor[i]))));
            bGroups.push(tf.addN(bs.map((t, i) => tf.mul(t, factor[i]))));
          }
        }
        return [tf.concat(aGroups, 0), tf.concat(bGroups, 0)];
      });
      created.loraA.assign(a);
      created.loraB.assign(b);
      tf.dispose([a, b]);
    }
  } catch (err) {
    for (const layer of added) layer.deleteAdapter(name);
    throw err;
  }
  const base = adapterConfigs(model).get(adapters[0]);
  if (base != null) recordAdapterConfig(model, name, { ...base, rank: newRank, alpha: newRank, useRsLora: false, rankPattern: undefined, alphaPattern: undefined });
}
