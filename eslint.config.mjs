import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'jest.config.js',
      'jest.e2e.config.js',
      'eslint.config.mjs',
      'scripts/*.mjs',
      '.scratch-*/**',
      'examples/**/dist/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Type-aware rules everywhere: floating and misused promises, awaited non-promises.
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/no-base-to-string': 'error',
      '@typescript-eslint/restrict-template-expressions': 'error',
      'no-console': 'error',
    },
  },
  {
    // The product code gets the whole type-checked set.
    files: ['src/**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    rules: {
      // Apollo's plugin hooks and the store interfaces are async by contract, even where an
      // implementation has nothing to await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Browser code (the example frontend, the IDE's entry) gets the type-checked set too, each
    // against its own tsconfig (the DOM, no Node globals).
    files: ['examples/**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
  },
  {
    files: ['scripts/**', 'bench/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
);
