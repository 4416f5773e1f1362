// Type-aware lint for the whole workspace. Module boundaries are enforced by Nx project tags
// (see README "Architecture"): apps compose features, features use domain and adapter libs,
// adapters never reach up into domain code, contracts depend on nothing, and the testing lib
// is imported by spec files only.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** The folders of the libraries tagged type:domain (from their project.json), whose code outside adapters must stay pure. */
const DOMAIN_LIBS = projectFolders('libs').filter((folder) => tagsOf(folder).includes('type:domain'));

function projectFolders(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== 'node_modules')
    .flatMap((entry) => {
      const folder = path.join(dir, entry.name);
      return existsSync(path.join(folder, 'project.json')) ? [folder] : projectFolders(folder);
    });
}

function tagsOf(folder) {
  return JSON.parse(readFileSync(path.join(folder, 'project.json'), 'utf8')).tags ?? [];
}

const SPEC_FILES = ['**/*.spec.ts', '**/*.medium-spec.ts', '**/*.e2e-spec.ts', '**/*.browser-spec.ts'];

const layers = {
  'type:app': ['type:feature', 'type:domain', 'type:adapter', 'type:contracts'],
  'type:feature': ['type:feature', 'type:domain', 'type:adapter', 'type:contracts'],
  'type:domain': ['type:domain', 'type:adapter', 'type:contracts'],
  'type:adapter': ['type:adapter', 'type:contracts'],
  'type:contracts': ['type:contracts'],
  'type:testing': ['type:feature', 'type:domain', 'type:adapter', 'type:contracts', 'type:testing'],
};
const boundaries = (extra) => [
  'error',
  {
    enforceBuildableLibDependency: false,
    allow: [],
    depConstraints: Object.entries(layers).map(([sourceTag, allowed]) => ({
      sourceTag,
      onlyDependOnLibsWithTags: [...allowed, ...(sourceTag === 'type:app' ? extra : [])],
    })),
  },
];

// Modules that perform IO. Domain code (every lib file that is not an adapter, repository,
// Nest wiring or test) must stay pure so that it is unit-tested without services.
const IO_MODULES = [
  'pg',
  'pg-boss',
  'ioredis',
  'fs',
  'node:fs',
  'fs/promises',
  'node:fs/promises',
  'child_process',
  'node:child_process',
  'net',
  'node:net',
  'http',
  'node:http',
  'fluent-ffmpeg',
  '@nestjs/*',
  '@aws-sdk/*',
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'tmp/**',
      'var/**',
      'coverage/**',
      '.nx/**',
      '**/*.cjs',
      '**/*.mjs',
      '**/*.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': boundaries([]),
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      'no-console': 'error',
    },
  },
  {
    // Nest injects constructor parameters by their runtime class (emitDecoratorMetadata), so
    // type-only imports of injected classes would break DI; let Nest files import values.
    files: [
      '**/*.module.ts',
      '**/*.controller.ts',
      '**/*.service.ts',
      '**/*.indicator.ts',
      '**/*.provider.ts',
      '**/*.adapter.ts',
      '**/*.repository.ts',
      '**/*.health.ts',
    ],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
  {
    // Domain libraries (tag type:domain): pure except their adapters, repositories and wiring.
    files: DOMAIN_LIBS.map((folder) => `${folder}/**/*.ts`),
    ignores: [
      '**/*.adapter.ts',
      '**/*.repository.ts',
      '**/*.module.ts',
      '**/*.controller.ts',
      '**/*.indicator.ts',
      '**/*.provider.ts',
      ...SPEC_FILES,
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: IO_MODULES,
              message: 'Domain code is pure: put IO in a *.adapter.ts or *.repository.ts behind a port.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests may import the testing lib; nothing else may.
    files: SPEC_FILES,
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          depConstraints: Object.entries(layers).map(([sourceTag, allowed]) => ({
            sourceTag,
            onlyDependOnLibsWithTags: [...new Set([...allowed, 'type:testing', sourceTag])],
          })),
        },
      ],
      '@typescript-eslint/unbound-method': 'off',
      'no-console': 'off',
    },
  },
  {
    // Command-line entry points and benchmarks print to stdout by design.
    files: ['apps/cli/**/*.ts', 'bench/**/*.ts', 'chaos/**/*.ts', 'tools/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  prettier,
);
