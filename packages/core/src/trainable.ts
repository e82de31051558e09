// Which parameters train: loralib's mark_only_lora_as_trainable and the variable list for optimizer.minimize.
import type * as tf from '@tensorflow/tfjs-core';
import { LoraLayer } from './adapters.js';
import type { Module } from './module.js';

/** Which biases train and are saved with LoRA weights: none, every `…bias`, or only LoRA layers' biases (loralib). */
export type BiasMode = 'none' | 'all' | 'lora_only';

/** Returns `bias` if it is a known bias mode, otherwise throws an error naming it. */
export function checkBiasMode(bias: string): BiasMode {
  if (bias === 'none' || bias === 'all' || bias === 'lora_only') return bias;
  throw new Error(`Unknown bias mode "${bias}" (expected 'none' | 'all' | 'lora_only')`);
}

/** True for a LoRA parameter key (loralib's test: the name contains `lora_`). */
export function isLoraKey(key: string): boolean {
  return key.includes('lora_');
}

/**
 * Freezes every parameter whose name lacks `lora_`, then re-enables biases as loralib does:
 * 'all' → every parameter whose name contains `bias`; 'lora_only' → the bias of each layer carrying an adapter.
 */
export function markOnlyLoraAsTrainable(model: Module, bias: BiasMode = 'none'): void {
  const mode = checkBiasMode(bias);
  for (const [name, v] of model.namedParameters()) v.trainable = isLoraKey(name);
  if (mode === 'all') {
    for (const [name, v] of model.namedParameters()) if (name.includes('bias')) v.trainable = true;
  } else if (mode === 'lora_only') {
    for (const [, m] of model.namedModules()) {
      if (m instanceof LoraLayer && m.adapters.size > 0 && m.bias != null) m.bias.trainable = true;
    }
  }
}

/** The trainable parameters (for `optimizer.minimize(loss, true, trainableVariables(model))`). */
export function trainableVariables(model: Module): tf.Variable[] {
  return model.parameters().filter((v) => v.trainable);
}

/** The trainable parameters by key. */
export function namedTrainableVariables(model: Module): Array<[string, tf.Variable]> {
  return model.namedParameters().filter(([, v]) => v.trainable);
}

/** Trainable and total parameter counts (PEFT's get_nb_trainable_parameters). */
export function countParameters(model: Module): { trainable: number; total: number } {
  return { trainable: model.numParameters(true), total: model.numParameters() };
}
