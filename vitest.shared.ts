// Shared vitest settings: every package resolves workspace packages to their TypeScript sources.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vitest/config';
import type { ViteUserConfig } from 'vitest/config';

const conditions = ['@lorats/source', 'node', 'import', 'module', 'default'];

const shared = defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@lorats/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    reporters: ['default', ['json', { outputFile: '.reports/vitest.json' }]],
    passWithNoTests: true,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
export default shared;

/** The torch backend's addon, where @lorats/tfjs-backend-torch loads it from. */
const torchAddon =
  process.env.LORATS_TORCH_ADDON ?? fileURLToPath(new URL('./packages/tfjs-backend-torch/build/lorats_torch.node', import.meta.url));

/**
 * A package whose suite runs twice: as the vitest project `cpu` (tfjs's pure-JS backend) and as `torch` (our libtorch
 * backend, when its addon is built; LORATS_TEST_DEVICE picks cpu or cuda:N). The test files call
 * `setupTestBackend()` from @lorats/testing, which switches to the backend LORATS_TEST_BACKEND names.
 * LORATS_TEST_BACKEND set outside (e.g. `=cpu`) runs that one project only.
 */
export function onBothBackends(extra: ViteUserConfig = {}): ViteUserConfig {
  const wanted = process.env.LORATS_TEST_BACKEND;
  const backends = wanted ? [wanted] : existsSync(torchAddon) ? ['cpu', 'torch'] : ['cpu'];
  const base = mergeConfig(shared, extra);
  return mergeConfig(base, {
    test: {
      projects: backends.map((backend) => ({ extends: true, test: { name: backend, env: { LORATS_TEST_BACKEND: backend } } })),
    },
  });
}
