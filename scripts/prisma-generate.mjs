// Generates the Prisma client during `npm install`, offline.
// The Prisma CLI tries to download the native schema engine at start-up even though
// generation does not need it; pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file
// skips that download (see README, "Design"). The client itself uses the WebAssembly query
// compiler plus a driver adapter, so no engine binary is needed at run time either.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = existsSync('/bin/false') ? '/bin/false' : process.execPath;

const result = spawnSync(process.execPath, ['node_modules/prisma/build/index.js', 'generate'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
