// Two jest projects: `unit` (pure, no services) and `integration` (medium and e2e tests,
// which get real PostgreSQL, pgBouncer, Redis and S3 from the libs/testing harness).
const { swcOptions, jestModuleNameMapper } = require('./tools/swc-options.cjs');
const esm = require('./tools/jest-esm-packages.cjs');

const shared = {
  rootDir: __dirname,
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcOptions(), swcrc: false }], ...esm.transform },
  transformIgnorePatterns: esm.transformIgnorePatterns,
  moduleNameMapper: jestModuleNameMapper(),
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/dist/', '<rootDir>/tmp/', '<rootDir>/var/'],
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/var/', '<rootDir>/tmp/'],
  setupFiles: ['reflect-metadata'],
};

module.exports = {
  // A global option (jest ignores it inside a project): e2e tests run real processes.
  testTimeout: 120000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools,bench,chaos}/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,tools,bench,chaos,e2e}/**/*.{medium-spec,e2e-spec}.ts'],
      globalSetup: '<rootDir>/libs/testing/src/jest/global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/jest/global-teardown.ts',
    },
  ],
};
