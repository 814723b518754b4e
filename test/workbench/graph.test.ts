// The draft graph helpers: where a step reads refs, run order, what "run to here" needs, what a
// rerun leaves stale, and the graph checks with the path each issue names.
import assert from 'node:assert/strict';
import { closureOf, downstreamOf, graphIssues, refsOf, topoOrder, upstreamOf } from '../../plugin/workbench/graph.js';
import { canonicalJson } from '../../plugin/workbench/freshness.js';
import { KindRegistry } from '../../plugin/kinds/registry.js';
import { draftDefinitionSchema } from '../../contract/workbench.js';

const draft = (steps: unknown[], inputs: unknown[] = []) => draftDefinitionSchema.parse({ steps, inputs });

describe('workbench graph', () => {
  // Listed out of order on purpose: "mix" reads "up" and "gen", "up" reads "gen".
  const definition = draft([
    { id: 'mix', workflow: 'blend', params: { image_1: { from: 'up.output' }, images: ['x', { from: 'gen.output', index: 1 }] } },
    { id: 'up', workflow: 'enhance', inputs: { image: { from: 'gen.output' } } },
    { id: 'gen', workflow: 'generate', params: { reference: { from: 'inputs.face' } } },
    { id: 'other', workflow: 'music' },
  ], [{ name: 'face', type: 'image' }]);

  it('finds refs in inputs, params and param lists, and the steps a step reads', () => {
    assert.deepEqual(refsOf(definition.steps[0]!).map((r) => r.at), ['params.image_1', 'params.images[1]']);
    assert.deepEqual(upstreamOf(definition.steps[0]!), ['up', 'gen']);
    assert.deepEqual(upstreamOf(definition.steps[2]!), [], 'a chain input is not a step');
  });

  it('orders steps after what they read, and picks what "run to here" needs and what a rerun leaves stale', () => {
    assert.deepEqual(topoOrder(definition.steps).map((s) => s.id), ['gen', 'up', 'mix', 'other']);
    assert.deepEqual(closureOf(definition.steps, 'up').map((s) => s.id), ['gen', 'up']);
    assert.deepEqual(closureOf(definition.steps, 'mix').map((s) => s.id), ['gen', 'up', 'mix']);
    assert.deepEqual(downstreamOf(definition.steps, 'gen').map((s) => s.id), ['up', 'mix']);
    assert.deepEqual(downstreamOf(definition.steps, 'other').map((s) => s.id), []);
  });

  it('names the path of each graph issue', () => {
    const kinds = new KindRegistry();
    assert.deepEqual(graphIssues(definition, kinds), []);
    const bad = draft([
      { id: 'a', workflow: 'enhance', inputs: { image: { from: 'inputs.nope' } } },
      { id: 'a', workflow: 'enhance' },
      { id: 'song', workflow: 'music' },
      { id: 'up', workflow: 'enhance', inputs: { image: { from: 'song.output' } } },
      { id: 'self', workflow: 'enhance', inputs: { image: { from: 'self.output' } } },
    ]);
    assert.deepEqual(
      graphIssues(bad, kinds).map((i) => `${i.field}: ${i.message}`),
      [
        'definition.steps[1].id: "a" is already the id of steps[0]',
        'definition.steps[0].inputs.image: reads chain input "nope", which the draft does not declare',
        'definition.steps[3].inputs.image: step "song" makes audio; enhance takes image',
        'definition.steps[4].inputs.image: a step cannot read its own output',
      ],
    );
  });

  it('compares JSON whatever its key order', () => {
    assert.equal(canonicalJson({ b: 1, a: [{ y: 2, x: 1 }] }), canonicalJson({ a: [{ x: 1, y: 2 }], b: 1 }));
    assert.notEqual(canonicalJson({ a: 1 }), canonicalJson({ a: '1' }));
  });
});
