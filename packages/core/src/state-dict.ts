// loralib's lora_state_dict: the LoRA part of a model's state dict, filtered by key as loralib does.
import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from './module.js';
import { type BiasMode, checkBiasMode, isLoraKey } from './trainable.js';

/**
 * The LoRA entries of `model.stateDict()`: 'none' → keys containing `lora_`; 'all' → also every key containing
 * `bias`; 'lora_only' → also `<prefix>bias` for each `<prefix>lora_…` key that exists (the tensors are the model's own).
 */
export function loraStateDict(model: Module, bias: BiasMode = 'none'): Map<string, tf.Tensor> {
  const mode = checkBiasMode(bias);
  const full = model.stateDict();
  const out = new Map<string, tf.Tensor>();
  for (const [key, t] of full) {
    if (isLoraKey(key) || (mode === 'all' && key.includes('bias'))) out.set(key, t);
  }
  if (mode === 'lora_only') {
    for (const key of [...out.keys()]) {
      const biasKey = `${key.split('lora_')[0]}bias`;
      const t = full.get(biasKey);
      if (t != null) out.set(biasKey, t);
    }
  }
  return out;
}
