// Prisma CLI configuration. Only `prisma generate` is used here (offline, see
// scripts/prisma-generate.mjs); migrations are applied by src/db/migrate.ts with the
// WebAssembly schema engine, so no datasource URL is needed by the CLI.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
