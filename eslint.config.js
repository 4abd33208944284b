// @ts-check
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Packages that do I/O: the pure domain and the SDK-free stack code must not reach for them. */
const IO_PACKAGES = ['@aws-sdk/*', '@aws-lambda-powertools/*', '@middy/*', 'dynalite', 'p-map', 'p-retry'];

/**
 * The dependency rule (docs/ARCHITECTURE.md, "Code layout"): each zone lists where the files in
 * `target` may not import `from`. Paths are resolved through TypeScript, so `../x.js` that is
 * really `x.ts` counts.
 */
const BOUNDARIES = [
  {
    target: './functions/core/domain',
    from: '.',
    except: ['./functions/core/domain'],
    message: 'The domain is pure: it imports only other domain modules.',
  },
  {
    target: ['./functions/core/use-cases', './functions/core/ports.ts'],
    from: [
      './functions/core/adapters',
      './functions/poll',
      './functions/core/wiring.ts',
      './functions/core/config.ts',
    ],
    message:
      'Use cases see the world only through the ports (functions/core/ports.ts); adapters are wired outside.',
  },
  {
    target: './functions/core/adapters',
    from: ['./functions/core/use-cases', './functions/poll', './functions/core/wiring.ts'],
    message: 'Adapters implement ports for the domain; they never call a use case.',
  },
  {
    target: './functions',
    from: ['./cli', './local', './infra', './test', './bench', './scripts'],
    message: 'The functions never depend on the CLI, the local run, the stack or the tests.',
  },
  {
    target: './infra',
    from: './functions',
    except: ['./contract.ts'],
    message: 'The stack shares only the contract with the functions (functions/contract.ts).',
  },
  {
    target: ['./infra', './functions/contract.ts'],
    from: ['./cli', './local', './bench', './scripts'],
    message: 'The stack does not depend on the CLI or the local run.',
  },
  {
    target: './local',
    from: './cli',
    message:
      'local/ is the embedded store, simulator and terminal notifier; the commands in cli/ use it, not the other way round.',
  },
];

/**
 * What keeps the poll bundle small (docs/BENCHMARKS.md, issue 9: <= 500 KB): the core and the poll
 * function validate with zod/mini imported as a namespace, and carry no X-Ray SDK.
 */
const POLL_BUNDLE_IMPORTS = {
  paths: [
    {
      name: 'zod',
      message: "Use `import * as z from 'zod/mini'`: classic zod adds about 400 KB to every function bundle.",
    },
  ],
  patterns: [
    {
      group: ['zod/v4', 'zod/v4/classic', 'zod/classic', 'zod/v3'],
      message: "Use `import * as z from 'zod/mini'`: classic zod adds about 400 KB to every function bundle.",
    },
    {
      group: ['@aws-lambda-powertools/tracer', '@aws-lambda-powertools/tracer/*'],
      message:
        'No Powertools Tracer (functions/core/lambda-runtime.ts says why); active tracing stays on in the stack.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.local/', 'coverage/', 'dist/', '.venv/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // `process.env.X!` hides a missing variable until it breaks at run time: config is parsed once instead.
      '@typescript-eslint/no-non-null-assertion': 'error',
      'no-console': 'error',
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: BOUNDARIES }],
    },
  },
  {
    files: ['functions/core/domain/**', 'functions/contract.ts', 'infra/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: IO_PACKAGES,
              message: 'The domain, the contract and the stack stay free of runtime SDKs and I/O libraries.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['functions/core/**', 'functions/poll/**'],
    // The domain has its own, stricter list above (and no validation library at all).
    ignores: ['functions/core/domain/**'],
    rules: {
      'no-restricted-imports': ['error', POLL_BUNDLE_IMPORTS],
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "ImportDeclaration[source.value='zod/mini'] > :matches(ImportSpecifier, ImportDefaultSpecifier)",
          message:
            "Use `import * as z from 'zod/mini'`: the `z` object defeats tree-shaking (all of zod is bundled).",
        },
      ],
    },
  },
  {
    // Files that each hold one idea, functions that each do one thing (tests may be longer).
    files: ['functions/**', 'infra/**', 'cli/**', 'local/**', 'scripts/**', 'bin/**'],
    rules: {
      'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // The CLI, the local run and the scripts talk to a terminal on purpose.
    files: ['cli/**', 'local/**', 'scripts/**', 'bench/**', 'bin/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },
);
