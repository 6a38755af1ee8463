/** Tests run on the TypeScript sources (ts-jest, CommonJS); the few tests of
 * the built package (ESM entry, worker_threads, packing) use dist/. */
module.exports = {
  testEnvironment: '<rootDir>/test/environment/fast-node.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 120000,
};
