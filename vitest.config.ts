import { defineConfig } from 'vitest/config';

// Default suite: runs anywhere with no database server and no network (embedded PGlite,
// fake LINE API on loopback). Files named *.pg.test.ts need a real PostgreSQL and run in
// vitest.pg.config.ts instead.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.pg.test.ts', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    benchmark: { include: ['bench/**/*.bench.ts'] },
  },
});
