import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the
// "@telltale/source" export condition, so tests need no prior build.
// Only add our condition to Vite's defaults: forcing "import" here would leak
// into Node's resolution of CommonJS dependencies (e.g. Express 5's router
// would require() the ESM build of is-promise and break).
const conditions = ['@telltale/source', 'module', 'node', 'development|production'];

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
  },
});
