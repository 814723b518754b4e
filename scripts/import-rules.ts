// The layering ARCHITECTURE.md draws, checked over the real import graph: which folder may
// import which, and no import cycles. `npm run check:imports` prints what breaks it;
// test/architecture.test.ts fails on it.
import ts from 'typescript';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Layers from the bottom up. A file may import files of its own layer or of a layer below;
 * a layer's `may` list names the layers above the plain order that it may also use (none
 * today). The first matching prefix decides a file's layer.
 */
export const LAYERS: { name: string; prefixes: string[] }[] = [
  { name: 'contract', prefixes: ['contract/'] },
  { name: 'migrations', prefixes: ['migrations/'] },
  { name: 'bridge', prefixes: ['bridge/'] },
  { name: 'core', prefixes: ['plugin/core/', 'plugin/db/', 'plugin/media/', 'plugin/sources/', 'plugin/options.ts', 'plugin/ui-bundle.ts'] },
  { name: 'stores', prefixes: ['plugin/artifacts/', 'plugin/events/bus.ts'] },
  { name: 'jobs', prefixes: ['plugin/jobs/', 'plugin/events/', 'plugin/kinds/registry.ts'] },
  { name: 'pipelines', prefixes: ['plugin/pipelines/'] },
  { name: 'runtime', prefixes: ['plugin/kinds/', 'plugin/worker/'] },
  { name: 'chains', prefixes: ['plugin/chains/'] },
  { name: 'workbench', prefixes: ['plugin/workbench/'] },
  { name: 'lineage', prefixes: ['plugin/lineage/'] },
  { name: 'metrics', prefixes: ['plugin/metrics/'] },
  { name: 'http', prefixes: ['plugin/http/'] },
  { name: 'lab', prefixes: ['plugin/media-lab.ts'] },
  { name: 'prompt-queue', prefixes: ['plugin/prompt-queue/'] },
  { name: 'entry', prefixes: ['plugin/index.ts'] },
  { name: 'cli', prefixes: ['plugin/cli/'] },
  { name: 'examples', prefixes: ['examples/'] },
];

/** Folders outside the layer stack, with what they may import. */
const SIDE: { prefix: string; may: (target: string, from: string) => boolean; why: string }[] = [
  { prefix: 'web-components/', may: (t) => t.startsWith('web-components/') || t.startsWith('contract/'), why: 'the browser bundle reads only the wire contract' },
  {
    prefix: 'bench/',
    may: (t) => !t.startsWith('test/') || t.startsWith('test/support/') || t.startsWith('test/fake-comfy/'),
    why: 'benches share test/support (and the fake ComfyUI), never another test folder',
  },
  {
    prefix: 'test/',
    may: (t, from) => !t.startsWith('examples/') || t === 'examples/demo-host.ts' || from.startsWith('test/browser/') || /demo/.test(from),
    why: 'tests bring their own auth (test/support), not the demo host\'s',
  },
  { prefix: 'scripts/', may: () => true, why: '' },
];

const SOURCE_FOLDERS = ['contract', 'migrations', 'bridge', 'plugin', 'examples', 'web-components', 'test', 'bench', 'scripts'];

function listSources(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist' || entry.startsWith('.') || entry === 'comfyui-media-lab') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) listSources(path, out);
    else if (/\.(ts|mts)$/.test(entry) && !entry.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const toPosix = (p: string) => p.split(sep).join('/');

/** Relative imports of one file (static, re-exports and dynamic), resolved to repo paths. */
export function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  const targets: string[] = [];
  for (const { fileName } of info.importedFiles) {
    if (!fileName.startsWith('.')) continue;
    const base = resolve(dirname(file), fileName).replace(/\.(m?js)$/, '');
    const candidate = [`${base}.ts`, `${base}.mts`, join(base, 'index.ts'), base].find((p) => existsSync(p) && statSync(p).isFile());
    if (candidate) targets.push(toPosix(relative(ROOT, candidate)));
  }
  return targets;
}

export function importGraph(root = ROOT): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const folder of SOURCE_FOLDERS) {
    const dir = join(root, folder);
    if (!existsSync(dir)) continue;
    for (const file of listSources(dir)) graph.set(toPosix(relative(root, file)), importsOf(file));
  }
  return graph;
}

export function layerOf(path: string): number {
  return LAYERS.findIndex((l) => l.prefixes.some((p) => (p.endsWith('/') ? path.startsWith(p) : path === p)));
}

export interface Violation {
  from: string;
  to: string;
  rule: string;
}

export function layerViolations(graph: Map<string, string[]>): Violation[] {
  const violations: Violation[] = [];
  for (const [from, targets] of graph) {
    const side = SIDE.find((s) => from.startsWith(s.prefix));
    for (const to of targets) {
      if (side) {
        if (!side.may(to, from)) violations.push({ from, to, rule: side.why });
        continue;
      }
      const a = layerOf(from);
      const b = layerOf(to);
      if (a < 0) {
        violations.push({ from, to, rule: `${from} belongs to no layer: add it to LAYERS in scripts/import-rules.ts and ARCHITECTURE.md` });
        continue;
      }
      if (b < 0 || b > a) {
        const target = b < 0 ? 'a file outside the layers' : `layer "${LAYERS[b].name}"`;
        violations.push({ from, to, rule: `layer "${LAYERS[a].name}" may not import ${target}` });
      }
    }
  }
  return violations;
}

/** Import cycles (strongly connected components of more than one file), each as a list of files. */
export function importCycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

// `tsx scripts/import-rules.ts`: print what breaks the rules; exit 1 when something does.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const graph = importGraph();
  const violations = layerViolations(graph);
  const cycles = importCycles(graph);
  for (const v of violations) console.log(`${v.from} -> ${v.to}: ${v.rule}`);
  for (const c of cycles) console.log(`cycle: ${c.join(' <-> ')}`);
  console.log(`${graph.size} files, ${violations.length} layer violations, ${cycles.length} cycles`);
  process.exit(violations.length || cycles.length ? 1 : 0);
}
