// Makes the initialised PGlite data directory that new embedded databases are copied from
// (src/db/pglite-template.ts), once per installed PGlite version. A failure only costs speed:
// without the template a new database runs initdb itself, so `npm install` goes on.
import { performance } from 'node:perf_hooks';

try {
  // Imported inside the try: a Node without TypeScript support fails here, and install goes on.
  const { createPgliteTemplate, pgliteTemplateDir } = await import('../src/db/pglite-template.ts');
  const dir = await pgliteTemplateDir();
  const started = performance.now();
  if (await createPgliteTemplate(dir))
    process.stdout.write(`PGlite template for new databases made in ${Math.round(performance.now() - started)} ms: ${dir}\n`);
} catch (error) {
  process.stderr.write(`PGlite template not made (new embedded databases will run initdb): ${error instanceof Error ? error.message : String(error)}\n`);
}
