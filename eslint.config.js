// One ESLint flat config for the whole workspace.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'models/**',
      'dashboard/dist/**',
      'bench/results/**',
      'coverage/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  { files: ['dashboard/src/**'], languageOptions: { globals: { ...globals.browser } } },
  {
    // The dashboard's bundle stays free of the gateway's server modules: types only.
    files: ['dashboard/src/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@ei/gateway', '@ei/gateway/*', 'zod', 'express'],
              allowTypeImports: true,
              message: 'the dashboard takes only types from the gateway: use `import type`',
            },
          ],
        },
      ],
    },
  },
  // The dashboard's single-file components: Vue's recommended rules, TypeScript in <script>.
  ...pluginVue.configs['flat/recommended'].map((config) => ({
    ...config,
    files: ['dashboard/src/**/*.vue'],
  })),
  {
    files: ['dashboard/src/**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  prettier,
);
