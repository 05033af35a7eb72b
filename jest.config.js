// Jest runs TypeScript through @swc/jest as native ESM (node --experimental-vm-modules).
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022', keepClassNames: true },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];
const shared = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@berth/(oci|config|sendfile|storage|db|core|upstream|redis|auth|jobs|runtime|signatures)$': '<rootDir>/packages/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
};
export default {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/packages/*/src/**/*.test.ts', '<rootDir>/apps/*/src/**/*.test.ts'] },
    { ...shared, displayName: 'integration', testMatch: ['<rootDir>/test/**/*.test.ts'], testTimeout: 120000 },
  ],
  maxWorkers: 2,
  // Service-backed suites start servers in beforeAll; per-project testTimeout is not applied by Jest 30.
  testTimeout: 120000,
};
