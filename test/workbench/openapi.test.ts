// The workbench routes' OpenAPI path items: a valid OpenAPI 3.1 document once plugged into the
// API's, an operationId on every operation, and real answers (drafts, a step run, the export, a
// 422 and a 404) that validate against the response schemas they name.
import assert from 'node:assert/strict';
import { validate, compileErrors } from '@readme/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { buildOpenApi } from '../../plugin/http/openapi.js';
import { workbenchOpenApi } from '../../plugin/http/workbench-routes.js';
import { steppingKind } from '../support/kinds.js';
import { startTestLab, waitFor, type TestLab } from '../support/lab.js';
import type { Draft } from '../../contract/workbench.js';

type Operation = { operationId?: string; responses: Record<string, { content?: Record<string, { schema: object }> }> };

describe('workbench OpenAPI path items', function () {
  this.timeout(60_000);
  let t: TestLab;
  before(async () => {
    t = await startTestLab({ kinds: [steppingKind('generate'), steppingKind('enhance')] });
  });
  after(async () => t.close());

  const { paths: items, schemas } = workbenchOpenApi();
  const paths = items as Record<string, Record<string, Operation>>;

  it('make a valid OpenAPI 3.1 document with the API\'s, each operation with a unique operationId', async () => {
    const document = buildOpenApi(t.lab.kinds, '/api/media-lab') as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    const merged = { ...document, paths: { ...document.paths, ...paths }, components: { ...document.components, schemas: { ...document.components.schemas, ...schemas } } };
    const result = await validate(structuredClone(merged) as never);
    assert.ok(result.valid, result.valid ? '' : compileErrors(result));
    const ids = Object.values(paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    assert.equal(ids.length, 10);
    assert.ok(ids.every((id) => typeof id === 'string' && id.length > 0));
    assert.equal(new Set(ids).size, ids.length);
  });

  it('real answers validate against the schemas their operations name', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    // The component schemas under the ids their $refs name.
    ajv.addSchema({ $id: 'doc', components: { schemas } });
    const check = (path: string, method: string, status: number, body: unknown) => {
      const content = paths[path]![method]!.responses[String(status)]!.content!;
      const schema = (content['application/json'] ?? content['application/problem+json'])!.schema as { $ref: string };
      const valid = ajv.validate({ $ref: `doc${schema.$ref}` }, body);
      assert.ok(valid, `${method.toUpperCase()} ${path} ${status}: ${ajv.errorsText(ajv.errors)}`);
    };
    const definition = { steps: [{ id: 'gen', workflow: 'generate' }, { id: 'up', workflow: 'enhance', inputs: { image: { from: 'gen.output' } } }] };
    const created = await t.json<Draft>('/workbench/drafts', { method: 'POST', body: JSON.stringify({ name: 'schema', definition }) });
    check('/workbench/drafts', 'post', created.status, created.body);
    const id = created.body.id;
    const ran = await t.json(`/workbench/drafts/${id}/steps/gen/run`, { method: 'POST' });
    check('/workbench/drafts/{id}/steps/{stepId}/run', 'post', ran.status, ran.body);
    const all = await t.json(`/workbench/drafts/${id}/run`, { method: 'POST' });
    check('/workbench/drafts/{id}/run', 'post', all.status, all.body);
    const done = await waitFor(async () => {
      const { body } = await t.json<Draft>(`/workbench/drafts/${id}`);
      return body.run?.status === 'succeeded' ? body : null;
    }, 'the run to end');
    check('/workbench/drafts/{id}', 'get', 200, done);
    assert.throws(() => check('/workbench/drafts/{id}', 'get', 200, { ...done, steps: [{ ...done.steps[0], freshness: 'unknown' }] }), /freshness|enum/, 'the check can fail');
    assert.ok(done.steps.every((s) => s.selected?.outputs.length), 'the drafts checked carry results with outputs');
    const list = await t.json('/workbench/drafts');
    check('/workbench/drafts', 'get', list.status, list.body);
    const selected = await t.json(`/workbench/drafts/${id}/steps/gen/select`, { method: 'POST', body: JSON.stringify({ jobId: done.steps[0]!.results[0]!.jobId }) });
    check('/workbench/drafts/{id}/steps/{stepId}/select', 'post', selected.status, selected.body);
    const exported = await t.json(`/workbench/drafts/${id}/export`, { method: 'POST', body: JSON.stringify({ name: 'schema' }) });
    check('/workbench/drafts/{id}/export', 'post', exported.status, exported.body);
    const invalid = await t.json(`/workbench/drafts/${id}`, { method: 'PUT', body: JSON.stringify({ definition: { steps: [{ id: 'Bad' }] } }) });
    assert.equal(invalid.status, 422);
    check('/workbench/drafts/{id}', 'put', 422, invalid.body);
    const missing = await t.json('/workbench/drafts/nope');
    check('/workbench/drafts/{id}', 'get', 404, missing.body);
  });
});
