// ESLint flat config: typescript-eslint's recommended rules, plus the project's conventions.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeGlobals = Object.fromEntries(
  ['process', 'Buffer', 'console', '__dirname', '__filename', 'require', 'module', 'exports', 'setTimeout',
    'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'URL', 'URLSearchParams', 'globalThis',
    'fetch', 'performance'].map((name) => [name, 'readonly']),
);

export default tseslint.config(
  { ignores: ['**/build/**', '**/node_modules/**', '**/*.d.ts', 'packages/core/proto/**', '.brief/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: nodeGlobals },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Library code logs through OpenTelemetry's diag, never the console.
    files: ['packages/*/src/**/*.ts'],
    ignores: ['packages/collector/src/cli.ts', 'packages/node/src/demo/**'],
    rules: { 'no-console': 'error' },
  },
  {
    // Public surfaces name what they export, as OpenTelemetry's packages do: `export *` would publish
    // whatever a module happens to export.
    files: ['packages/*/src/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: 'ExportAllDeclaration', message: 'export names one by one, not with export *' }],
    },
  },
  {
    files: ['**/test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Docs snippets may show a fragment whose names the reader's code goes on to use.
    files: ['docs/snippets/**'],
    rules: { '@typescript-eslint/no-unused-vars': 'off' },
  },
);
