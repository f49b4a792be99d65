import { defineConfig } from 'vitest/config';

// PostgreSQL run: the same suite with TEST_DATABASE_URL pointing at a real server (every
// database test then gets its own fresh database there), plus *.pg.test.ts, the tests that
// only make sense on a server (several instances, row locks across connections).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The browser tests drive the staff pages and run once, in `npm test`; the database under
    // those pages is covered here by the HTTP tests of the same routes.
    exclude: ['test/browser/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
