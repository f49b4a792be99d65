#!/usr/bin/env node
/**
 * Where a process's CPU went, from a V8 CPU profile (`node --cpu-prof`, or
 * `npm run bench:load -- --profile <dir>`): self time grouped by where the code lives (a package
 * under node_modules, a directory of this repo, Node's internals, garbage collection) and the
 * functions with the most self time. Idle time is left out of the percentages.
 *
 *   node scripts/cpu-profile-summary.mjs <file.cpuprofile> [--top 25]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
const file = positionals[0];
if (!file) {
  console.error('usage: node scripts/cpu-profile-summary.mjs <file.cpuprofile> [--top 25]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));

/** Microseconds of self time per node id, from the samples and the time between them. */
const selfUs = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
}

function areaOf(frame) {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return 'garbage collection';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(program)') return 'V8 and native (program)';
    return `native: ${functionName || '(anonymous)'}`;
  }
  if (url.startsWith('node:')) return 'Node internals';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  const repo = /\/(src\/generated|src\/[^/]+|flows\/[^/]+|bench|test)\//.exec(url);
  return repo ? repo[1] : url;
}

const areas = new Map();
const functions = new Map();
let total = 0;
for (const [id, us] of selfUs) {
  const frame = byId.get(id).callFrame;
  const area = areaOf(frame);
  if (area === 'idle') continue;
  total += us;
  areas.set(area, (areas.get(area) ?? 0) + us);
  const name = `${frame.functionName || '(anonymous)'}  ${frame.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*?\/(src|flows)\//, '$1/')}:${frame.lineNumber + 1}`;
  functions.set(name, (functions.get(name) ?? 0) + us);
}

const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
console.log(`${file}\nCPU (not idle): ${(total / 1000).toFixed(0)} ms\n\nBy area:`);
for (const [area, us] of [...areas].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${pct(us)}  ${area}`);
console.log(`\nTop functions (self time):`);
for (const [name, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) console.log(`  ${pct(us)}  ${name}`);
