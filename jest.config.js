/** Jest on ESM TypeScript: ts-jest transpiles each file (isolatedModules); `npm run typecheck` checks types. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, isolatedModules: true, diagnostics: false }] },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  testTimeout: 60000,
  // Real registries, containerd and werf-double runs: two workers suit the 2-core machines we run on.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/__tests__/support/closing-line-reporter.cjs'],
};
