// Shared vitest settings: every package resolves workspace packages to their TypeScript sources.
import { defineConfig } from 'vitest/config';

const conditions = ['@lorats/source', 'node', 'import', 'module', 'default'];

export default defineConfig({
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
