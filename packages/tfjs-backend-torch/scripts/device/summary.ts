// Reads the benchmark records of a device run and writes summary.json: lorats/PEFT throughput and memory ratios,
// the torch/cpu CPU speed-up and the dispatch overheads. usage: node summary.mjs RESULTS_DIR
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? '.';
type Rec = { tokensPerSecond?: number; peakDeviceBytes?: number | null; medianStepSeconds?: number; microsecondsPerOp?: Record<string, number> };
const read = (name: string): Rec | undefined => {
  const p = join(dir, `${name}.json`);
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Rec) : undefined;
};
const ratio = (a?: number | null, b?: number | null): number | null => (a && b ? a / b : null);

const pairs = ['', '-bf16'].map((suffix) => {
  const lorats = read(`gpt2-medium-lora-gpu-lorats${suffix}`);
  const peft = read(`gpt2-medium-lora-gpu-peft${suffix}`);
  return {
    mode: suffix ? 'bf16 autocast' : 'float32 (TF32)',
    loratsTokensPerSecond: lorats?.tokensPerSecond ?? null,
    peftTokensPerSecond: peft?.tokensPerSecond ?? null,
    throughputRatio: ratio(lorats?.tokensPerSecond, peft?.tokensPerSecond),
    loratsPeakGiB: lorats?.peakDeviceBytes ? lorats.peakDeviceBytes / 2 ** 30 : null,
    peftPeakGiB: peft?.peakDeviceBytes ? peft.peakDeviceBytes / 2 ** 30 : null,
    memoryRatio: ratio(lorats?.peakDeviceBytes, peft?.peakDeviceBytes),
  };
});
const cpuTorch = read('gpt2-2layer-lora-cpu-torch');
const cpuJs = read('gpt2-2layer-lora-cpu-tfjs');
const dispatch = Object.fromEntries(
  ['dispatch-cuda-lorats', 'dispatch-cuda-pytorch', 'dispatch-cpu-lorats', 'dispatch-cpu-pytorch'].map((n) => [n, read(n)?.microsecondsPerOp ?? null]),
);
const summary = {
  gpuGpt2MediumLoraStep: pairs,
  cpuGpt2TwoLayerStep: { torchTokensPerSecond: cpuTorch?.tokensPerSecond ?? null, cpuBackendTokensPerSecond: cpuJs?.tokensPerSecond ?? null, speedup: ratio(cpuTorch?.tokensPerSecond, cpuJs?.tokensPerSecond) },
  dispatchMicroseconds: dispatch,
};
writeFileSync(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
console.log(JSON.stringify(summary, null, 2));
