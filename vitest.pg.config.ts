import { defineConfig } from 'vitest/config';

// PostgreSQL run: the same suite with TEST_DATABASE_URL pointing at a real server (every
// database test then gets its own fresh database there), plus *.pg.test.ts, the tests that
// only make sense on a server (several instances, row locks across connections).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
