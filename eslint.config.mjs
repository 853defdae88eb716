import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', __dirname: 'readonly', module: 'writable', require: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The layers of packages/shared (docs/architecture.md): imports only point down, and no file's imports lead back to it.
    files: ['packages/shared/src/**/*.ts'],
    plugins: { boundaries, 'import-x': importX },
    settings: {
      'import/resolver': { node: { extensions: ['.ts'] } },
      'import-x/resolver': { node: { extensions: ['.ts'] } },
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'boundaries/dependency-nodes': ['import', 'export', 'dynamic-import'],
      'boundaries/elements': [
        ...['domain', 'contracts', 'runtime', 'db', 'queue', 'presenters', 'claims'].map((type) => ({ type, pattern: `packages/shared/src/${type}/**` })),
      ],
      // src's own files, above every layer: the root entry point, and the claim decisions' metrics.
      'boundaries/files': [{ category: 'top', pattern: 'packages/shared/src/*.ts' }],
    },
    rules: {
      'import-x/no-cycle': 'error',
      'boundaries/no-unknown-files': 'error',
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: [
            { from: { element: { type: 'domain' } }, allow: { to: { element: { type: 'domain' } } } },
            { from: { element: { type: 'contracts' } }, allow: { to: { element: { types: { anyOf: ['contracts', 'domain'] } } } } },
            { from: { element: { type: 'runtime' } }, allow: { to: { element: { type: 'runtime' } } } },
            { from: { element: { type: 'db' } }, allow: { to: { element: { types: { anyOf: ['db', 'domain', 'runtime'] } } } } },
            // A claim row stores its task's resource as the wire shows it (task_after): a type, no code.
            { from: { element: { type: 'db' } }, allow: { to: { element: { type: 'contracts' } }, dependency: { kind: 'type' } } },
            { from: { element: { type: 'queue' } }, allow: { to: { element: { types: { anyOf: ['queue', 'domain', 'runtime'] } } } } },
            // Left for the worker's rework of claim events: the event carries the claim row and task view types.
            { from: { element: { type: 'queue' } }, allow: { to: { element: { type: 'db' } }, dependency: { kind: 'type' } } },
            { from: { element: { type: 'presenters' } }, allow: { to: { element: { types: { anyOf: ['presenters', 'domain', 'contracts'] } } } } },
            { from: { element: { type: 'presenters' } }, allow: { to: { element: { type: 'db' } }, dependency: { kind: 'type' } } },
            { from: { element: { type: 'claims' } }, allow: { to: { element: { types: { anyOf: ['claims', 'domain', 'contracts', 'runtime', 'db', 'queue', 'presenters'] } } } } },
            { from: { element: { type: 'claims' } }, allow: { to: { file: { categories: 'top' } } }, dependency: { kind: 'type' } },
            { from: { file: { categories: 'top' } }, allow: { to: { element: { type: '*' } } } },
            { from: { file: { categories: 'top' } }, allow: { to: { file: { categories: 'top' } } } },
          ],
        },
      ],
    },
  },
  {
    // The operator console runs in browsers: the DOM's globals, not Node's.
    files: ['apps/console/src/**/*.ts'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
