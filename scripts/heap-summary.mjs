// Summarises a .heapsnapshot (node --heapsnapshot-signal=SIGUSR2, or v8.writeHeapSnapshot): self size
// by type and constructor, then the 15 largest objects, each with one path of retainers towards
// the roots (weak edges skipped). It prints sizes and the names of objects, closures and code (the
// module a function or source belongs to), never the contents of strings, which may be personal.
//   node --max-old-space-size=4000 scripts/heap-summary.mjs <file.heapsnapshot>
import { readFileSync } from 'node:fs';
const s = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const m = s.snapshot.meta,
  nf = m.node_fields,
  ef = m.edge_fields,
  N = nf.length,
  E = ef.length;
const types = m.node_types[0],
  etypes = m.edge_types[0];
const iType = nf.indexOf('type'),
  iName = nf.indexOf('name'),
  iSize = nf.indexOf('self_size'),
  iEdges = nf.indexOf('edge_count');
const eType = ef.indexOf('type'),
  eName = ef.indexOf('name_or_index'),
  eTo = ef.indexOf('to_node');
const nodes = s.nodes,
  edges = s.edges,
  str = s.strings,
  count = nodes.length / N;
const firstEdge = new Uint32Array(count + 1);
for (let i = 0, e = 0; i < count; i++) {
  firstEdge[i] = e;
  e += nodes[i * N + iEdges] * E;
}
firstEdge[count] = edges.length;
const shown = (i) => (['string', 'concatenated string', 'sliced string'].includes(types[nodes[i * N + iType]]) ? '' : str[nodes[i * N + iName]]);
const label = (i) => {
  const t = types[nodes[i * N + iType]];
  const n = str[nodes[i * N + iName]];
  return t === 'object' || t === 'closure' || t === 'native' || t === 'hidden' || t === 'code' ? `${t}:${n.slice(0, 60)}` : t;
};
const by = new Map();
let total = 0;
for (let i = 0; i < count; i++) {
  const sz = nodes[i * N + iSize];
  total += sz;
  const l = label(i);
  by.set(l, (by.get(l) ?? 0) + sz);
}
console.log('total self', (total / 1048576).toFixed(1), 'MB in', count, 'nodes');
for (const [l, v] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log((v / 1048576).toFixed(2).padStart(8), l);
// retainers
const retainers = Array.from({ length: count }, () => []);
for (let i = 0; i < count; i++)
  for (let e = firstEdge[i]; e < firstEdge[i + 1]; e += E) {
    const to = edges[e + eTo] / N;
    const et = etypes[edges[e + eType]];
    if (et === 'weak') continue;
    const nm = et === 'element' || et === 'hidden' ? `[${edges[e + eName]}]` : str[edges[e + eName]];
    retainers[to].push([i, nm]);
  }
const idx = [...Array(count).keys()].sort((a, b) => nodes[b * N + iSize] - nodes[a * N + iSize]).slice(0, 15);
for (const i of idx) {
  const path = [];
  let cur = i;
  const seen = new Set();
  for (let d = 0; d < 8 && retainers[cur].length; d++) {
    const [p, nm] = retainers[cur].find(([p]) => !seen.has(p)) ?? [];
    if (p === undefined) break;
    seen.add(p);
    path.push(`${nm} <- ${label(p)} ${JSON.stringify(shown(p).slice(0, 50))}`);
    cur = p;
  }
  console.log('\n' + (nodes[i * N + iSize] / 1048576).toFixed(2), 'MB', label(i), JSON.stringify(shown(i).slice(0, 80)), '\n   ' + path.join('\n   '));
}
