// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
// Folders that must stay free of effects (shared with .dependency-cruiser.mjs).
import { pureFolders } from './pure-folders.mjs';

const effectfulModules = [
  'node:net',
  'node:tls',
  'node:child_process',
  'node:dgram',
  'node:http',
  'node:https',
  'execa',
  'ssh2',
  'node-ssh',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bin/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: pureFolders,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: effectfulModules.map((name) => ({
            name,
            message: 'This folder is pure: effects belong in transport/, probe/, journal/ or cli/.',
          })),
        },
      ],
    },
  },
  // Plain JavaScript (launchers, child-process fixtures) is linted without type information.
  {
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' },
    },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
