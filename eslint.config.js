import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importLayers } from './eslint/import-layers.js';
import { sqlText } from './eslint/sql-text.js';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'data/', 'deploy/cdk/cdk.out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', Buffer: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', setImmediate: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['bin/**/*.js', 'src/cli/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts', '**/*.test.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // The admin UI: browser ES modules, served as they are (docs/adr/0009-admin-ui.md).
    files: ['src/admin/ui/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        ['window', 'document', 'navigator', 'location', 'localStorage', 'fetch', 'URLSearchParams', 'ResizeObserver', 'confirm', 'addEventListener', 'removeEventListener', 'Intl', 'globalThis'].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/config/**'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only src/config/ reads process.env.' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { layers: { rules: { 'imports-one-way': importLayers } } },
    rules: { 'layers/imports-one-way': 'error' },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    plugins: { sql: { rules: { 'text-from-constants': sqlText } } },
    rules: { 'sql/text-from-constants': 'error' },
  },
);
