// Field messages read as sentences for people (`params.scale: must be 2, 3 or 4`), not zod's
// defaults (`Invalid input`); a schema's own message is kept.
import assert from 'node:assert/strict';
import { z } from 'zod';
import { zodIssues } from '../../contract/zod-issues.js';
import { enhanceParamsSchema } from '../../plugin/pipelines/enhance/params.js';
import { steppingKind } from '../support/kinds.js';
import { startTestLab, type TestLab } from '../support/lab.js';

function messages(schema: z.ZodType, value: unknown, prefix: string[] = []): Record<string, string> {
  const result = schema.safeParse(value);
  assert.ok(!result.success, 'the value is invalid');
  return Object.fromEntries(zodIssues(result.error, prefix).map((i) => [i.field, i.message]));
}

describe('zodIssues messages', () => {
  it('says what the value must be', () => {
    assert.deepEqual(messages(enhanceParamsSchema, { scale: 5 }, ['params']), { 'params.scale': 'must be 2, 3 or 4' });
    const schema = z.strictObject({
      steps: z.number().int().min(1).max(200),
      mode: z.enum(['fast', 'model']),
      name: z.string().min(1),
      tags: z.array(z.string()).max(2),
      ratio: z.number().gt(0),
      seed: z.number(),
      choice: z.union([z.string(), z.number()]),
    });
    assert.deepEqual(messages(schema, { steps: 0, mode: 'slow', name: '', tags: ['a', 'b', 'c'], ratio: 0, seed: 'x', choice: true, colour: 'red' }), {
      steps: 'must be at least 1',
      mode: 'must be fast or model',
      name: 'must not be empty',
      tags: 'must have at most 2 items',
      ratio: 'must be greater than 0',
      seed: 'must be a number',
      choice: 'must be a string or a number',
      colour: 'is not a known field',
    });
    assert.deepEqual(messages(schema, { steps: 500, mode: 'fast', name: 'n', tags: [], ratio: 1, choice: 'c' }), { steps: 'must be at most 200', seed: 'is required' });
    assert.deepEqual(messages(schema, { steps: 1.5, mode: 'fast', name: 'n', tags: [], ratio: 1, seed: 1, choice: 'c' }), { steps: 'must be a whole number' });
  });

  it('keeps a message the schema wrote', () => {
    const schema = z.object({ fps: z.number().refine((n) => n !== 95, '95 fps is not allowed'), size: z.number().max(9, 'too wide for the model') });
    assert.deepEqual(messages(schema, { fps: 95, size: 10 }), { fps: '95 fps is not allowed', size: 'too wide for the model' });
  });
});

describe('HTTP field messages', function () {
  let t: TestLab;
  before(async () => {
    t = await startTestLab({ kinds: [steppingKind('voice')], worker: { enabled: false } });
  });
  after(async () => t.close());

  it('name the field and the rule in a sentence', async () => {
    const first = await t.json<{ errors: Array<{ field: string; message: string }> }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'voice', priority: 'high' }) });
    assert.equal(first.status, 422);
    assert.deepEqual(first.body.errors, [{ field: 'priority', message: 'must be a number' }]);
    const bad = await t.json<{ detail: string; errors: Array<{ field: string; message: string }> }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'voice', params: { steps: 0, failWith: 'sometimes' } }) });
    const params = Object.fromEntries(bad.body.errors.map((e) => [e.field, e.message]));
    assert.equal(params['params.steps'], 'must be at least 1');
    assert.equal(params['params.failWith'], 'must be none, transient, permanent or crash');
    assert.match(bad.body.detail, /params\.steps: must be at least 1/);
    const query = await t.json<{ errors: Array<{ field: string; message: string }> }>('/jobs?limit=500');
    assert.deepEqual(query.body.errors, [{ field: 'query.limit', message: 'must be at most 200' }]);
    const missing = await t.json<{ errors: Array<{ field: string; message: string }> }>('/jobs', { method: 'POST', body: JSON.stringify({ params: {} }) });
    assert.deepEqual(missing.body.errors, [{ field: 'workflow', message: 'is required' }]);
  });
});
