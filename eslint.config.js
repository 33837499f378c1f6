import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'test-results/**', '.opsbook/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    // Domains never import the transports; see docs/architecture.md.
    files: ['src/{config,runbooks,executions,import,checks,alerts,incidents,oncall,notify,identity,slos,statuspage,store,lib}/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/http/**', '**/cli/**', '**/daemon/**'], message: 'domains must not import http/, cli/ or daemon/' },
      ] }],
    },
  },
  {
    // Samples sit below alerts/ and checks/ and above promql/, which they reach only through its public surface.
    files: ['src/samples/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/http/**', '**/cli/**', '**/daemon/**', '**/alerts/**', '**/checks/**', '**/incidents/**', '**/slos/**', '**/promql/*', '!**/promql/index.js'],
          message: 'samples/ is a domain below alerts/ and checks/: it may import lib/, store/, config/ and promql/index.js' },
      ] }],
    },
  },
  {
    // PromQL sits below alerts/ and checks/: it reads only lib/ and its own files.
    files: ['src/promql/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/http/**', '**/cli/**', '**/daemon/**', '**/alerts/**', '**/checks/**', '**/incidents/**', '**/store/**', '**/config/**', '**/slos/**', '**/samples/**'],
          message: 'promql/ is a domain below alerts/ and checks/: it may import only lib/' },
      ] }],
    },
  },
  {
    // The daemon wires domains; the HTTP server is a transport beside the CLI, never below it.
    files: ['src/{daemon,http}/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/cli/**', '**/gameday/**', '**/config-tests/**'], message: 'daemon/ and http/ must not import cli/, gameday/ or config-tests/' },
      ] }],
    },
  },
);
