import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the
// "@telltale/source" export condition, so tests need no prior build.
// Only our condition plus Node's: "import" would leak into Node's resolution
// of CommonJS dependencies (Express 5's router would require() the ESM build
// of is-promise), and "module" picks builds Node cannot load
// (@opentelemetry/api's extensionless build/esm).
const conditions = ['@telltale/source', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@telltale/source', 'node'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'scripts/test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default'] : ['default'],
    // Reported, not a gate: on only with `--coverage` (the root `pnpm test` script), so runs
    // that call vitest directly (the Node 24 leg of .ci/run) are unaffected.
    coverage: {
      enabled: false,
      provider: 'v8',
      reporter: ['text-summary'],
      // A report, not a gate: print it even when a test fails.
      reportOnFailure: true,
      include: ['packages/*/src/**/*.ts'],
    },
  },
});
