// Kernels the torch backend does not implement natively run on tfjs's cpu backend: inputs are copied to the host,
// the cpu kernel runs, outputs are copied back. Correct but slow; `nativeKernelNames` lists what is native.
import type { KernelBackend, KernelConfig, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { engine, getKernelsForBackend } from '@tensorflow/tfjs-core';

import type { TorchBackend } from '../backend.js';
import { BACKEND_NAME } from './kernel.js';

function copy(from: KernelBackend, to: KernelBackend, t: TensorInfo): TensorInfo {
  return { dataId: to.write(from.readSync(t.dataId), t.shape, t.dtype), shape: t.shape, dtype: t.dtype };
}

const reported = new Set<string>();

/** LORATS_TORCH_FALLBACK=warn prints each kernel name the first time it falls back (to find missing kernels). */
function report(name: string): void {
  if (process.env.LORATS_TORCH_FALLBACK !== 'warn' || reported.has(name)) return;
  reported.add(name);
  console.warn(`lorats torch backend: kernel ${name} runs on the cpu backend (no native implementation)`);
}

function fallbackKernel(cpuKernel: KernelConfig): KernelConfig {
  return {
    kernelName: cpuKernel.kernelName,
    backendName: BACKEND_NAME,
    kernelFunc: ({ inputs, backend, attrs }) => {
      report(cpuKernel.kernelName);
      const torch = backend as TorchBackend;
      const cpu = engine().findBackend('cpu');
      if (cpu == null) throw new Error(`kernel ${cpuKernel.kernelName} has no torch implementation and the cpu backend is not available`);
      const cpuInputs: NamedTensorInfoMap = {};
      const made: TensorInfo[] = [];
      const list = Array.isArray(inputs) ? (inputs as TensorInfo[]) : undefined;
      const moved = list ? list.map((t) => copy(torch, cpu, t)) : undefined;
      if (moved) made.push(...moved);
      else
        for (const [name, t] of Object.entries(inputs)) {
          if (t == null) continue;
          cpuInputs[name] = copy(torch, cpu, t);
          made.push(cpuInputs[name]);
        }
      try {
        const out = cpuKernel.kernelFunc({ inputs: moved ? (moved as unknown as NamedTensorInfoMap) : cpuInputs, backend: cpu, attrs });
        const outs = Array.isArray(out) ? out : [out];
        const result = outs.map((t) => {
          const r = copy(cpu, torch, t);
          cpu.disposeData(t.dataId);
          return r;
        });
        return Array.isArray(out) ? result : result[0];
      } finally {
        for (const t of made) cpu.disposeData(t.dataId);
      }
    },
  };
}

/** Fallback configs for every cpu kernel that `native` lacks. */
export function fallbackKernels(native: ReadonlySet<string>): KernelConfig[] {
  return getKernelsForBackend('cpu')
    .filter((k) => !native.has(k.kernelName))
    .map(fallbackKernel);
}
