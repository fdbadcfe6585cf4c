/** Jest on ESM TypeScript: ts-jest transpiles each file on its own (tsconfig.json sets isolatedModules); `npm run typecheck` checks types. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }] },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  testTimeout: 60000,
  // Real registries, containerd and werf-double runs: two workers suit the 2-core machines we run on.
  maxWorkers: 2,
  // A worker that has finished runs its exit handlers at once, but the process itself then takes 0.1-0.6 s to end on a
  // loaded 2-core machine (measured: heap and thread teardown after 'exit'); jest's default grace of 0.5 s then kills it
  // and warns "A worker process has failed to exit gracefully" although nothing leaked. A real leak (a handle that
  // keeps a worker alive) still gets that warning, after 5 s.
  workerGracefulExitTimeout: 5000,
  reporters: ['default', '<rootDir>/__tests__/support/closing-line-reporter.cjs'],
};
