import { describe, expect, it } from 'vitest';

import { BACKEND_NAMES, BACKEND_OPTIONS, backendOptionsFromArgs, isBackendName } from './backends.js';

describe('backend options', () => {
  it('offers --backend with every backend name as choices, and --device', () => {
    const backend = BACKEND_OPTIONS.find((o) => o.name === 'backend');
    expect(backend?.choices).toEqual(BACKEND_NAMES);
    expect(BACKEND_OPTIONS.map((o) => o.name)).toEqual(['backend', 'device', 'bf16']);
  });

  it('reads parsed values into setup options', () => {
    expect(backendOptionsFromArgs({ backend: 'torch', device: 'cuda:1', bf16: true })).toEqual({ backend: 'torch', device: 'cuda:1', bf16: true });
    expect(backendOptionsFromArgs({})).toEqual({});
  });

  it('rejects an unknown backend name', () => {
    expect(() => backendOptionsFromArgs({ backend: 'wasm' })).toThrow(/--backend must be one of torch, cpu, webgpu, tensorflow/);
    expect(isBackendName('cpu')).toBe(true);
    expect(isBackendName('gpu')).toBe(false);
  });
});
