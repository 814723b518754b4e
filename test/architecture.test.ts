// The import rules ARCHITECTURE.md states, enforced: a change that makes a lower layer import a
// higher one, or closes an import cycle, fails here with the offending import named.
import assert from 'node:assert/strict';
import { importCycles, importGraph, layerViolations } from '../scripts/import-rules.js';

describe('architecture: imports point one way', () => {
  const graph = importGraph();

  it('reads the real import graph', () => {
    // Guards against a checker that silently sees nothing (and so can never fail).
    assert.ok(graph.size > 100, `only ${graph.size} files found`);
    assert.ok(graph.get('plugin/media-lab.ts')?.some((t) => t.startsWith('plugin/jobs/')), 'media-lab.ts should import plugin/jobs');
  });

  it('no file imports a higher layer, and web-components, benches and tests keep to their rules', () => {
    const lines = layerViolations(graph).map((v) => `${v.from} -> ${v.to}: ${v.rule}`);
    assert.deepEqual(lines, []);
  });

  it('no import cycles', () => {
    assert.deepEqual(importCycles(graph).map((c) => c.join(' <-> ')), []);
  });

  it('flags a lower layer importing a higher one, and a cycle', () => {
    const planted = new Map(graph);
    planted.set('contract/jobs.ts', ['plugin/jobs/service.ts']);
    planted.set('plugin/jobs/service.ts', [...(graph.get('plugin/jobs/service.ts') ?? []), 'contract/jobs.ts']);
    assert.ok(layerViolations(planted).some((v) => v.from === 'contract/jobs.ts' && v.to === 'plugin/jobs/service.ts'));
    assert.ok(importCycles(planted).some((c) => c.includes('contract/jobs.ts') && c.includes('plugin/jobs/service.ts')));
  });
});
