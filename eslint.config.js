// One ESLint config for the whole workspace: typescript-eslint plus nx module boundaries.
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Which project tags may depend on which; the private @lorats/testing is allowed in tests only.
const DEP_CONSTRAINTS = [
  { sourceTag: 'type:core', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'type:format', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'type:metric', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'type:backend', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:core', 'type:format', 'type:backend'] },
  { sourceTag: 'type:runtime', onlyDependOnLibsWithTags: ['type:backend'] },
  { sourceTag: 'type:model', onlyDependOnLibsWithTags: ['type:core', 'type:format', 'type:runtime'] },
  { sourceTag: 'type:experiment', onlyDependOnLibsWithTags: ['type:core', 'type:format', 'type:metric', 'type:runtime'] },
  { sourceTag: 'type:cli', onlyDependOnLibsWithTags: ['type:core', 'type:format', 'type:metric', 'type:runtime', 'type:backend', 'type:model', 'type:experiment'] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['*'] },
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/build/**', '**/.nx/**', '**/fixtures/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', performance: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Dependencies run one way: core, formats, metrics and the backend depend on no other @lorats package.
    files: ['**/src/**/*.ts', '**/test/**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          depConstraints: DEP_CONSTRAINTS,
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', '**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // Tests of every project may use the private test helpers (@lorats/testing, a dev dependency only).
    files: ['**/*.test.ts', '**/test/**/*.ts'],
    plugins: { '@nx': nx },
    rules: { '@nx/enforce-module-boundaries': ['error', { allow: ['@lorats/testing'], depConstraints: DEP_CONSTRAINTS }] },
  },
);
