// @ts-check
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * The parts of src/, lowest first. A part may import its own layer's and
 * lower layers' parts, never a higher layer's (no upward import).
 */
const LAYERS = [
  ['core'],
  ['errors'],
  ['net', 'yaml', 'config', 'vault'],
  ['template', 'connection', 'secrets', 'inventory', 'playbook', 'validate', 'facts', 'cluster'],
  ['modules'],
  ['engine'],
  ['output'],
  ['lab'],
  ['drill'],
  ['cli'],
];

const zones = LAYERS.flatMap((layer, i) =>
  layer.map((part) => ({
    target: `./src/${part}`,
    from: LAYERS.slice(i + 1).flat().map((higher) => `./src/${higher}`),
    message: `${part} sits below these parts and must not import them (layers in eslint.config.js)`,
  })),
).filter((z) => z.from.length > 0);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'out/**', 'coverage/**', '.lab/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // dependencies are parsed as TypeScript too (otherwise no-cycle sees no edge)
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones }],
    },
  },
);
