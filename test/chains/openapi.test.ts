// The chain routes' OpenAPI path items (plugin/http/chain-routes.ts chainPaths) are a valid
// OpenAPI 3.1 document as a client generator reads it, and the routes' real answers match the
// response schemas they declare.
import assert from 'node:assert/strict';
import { validate } from '@readme/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { chainPaths } from '../../plugin/http/chain-routes.js';
import { startTestLab, type TestLab } from '../support/lab.js';

type Operation = { operationId: string; responses: Record<string, { content?: Record<string, { schema: object }> }> };

describe('chain routes in OpenAPI', function () {
  this.timeout(60_000);
  let t: TestLab;
  before(async () => {
    t = await startTestLab();
  });
  after(async () => t.close());

  it('is a valid OpenAPI 3.1 document with an operationId for each route', async () => {
    const paths = chainPaths();
    const result = await validate({ openapi: '3.1.0', info: { title: 'chains', version: '1' }, paths } as never);
    assert.equal(result.valid, true, JSON.stringify(result));
    const ids = Object.values(paths).flatMap((item) => Object.values(item as Record<string, Operation>).map((op) => op.operationId));
    assert.deepEqual(ids.sort(), ['diffChainVersions', 'listChainVersions', 'listChains', 'publishChain']);
  });

  it("answers match the declared response schemas", async () => {
    const ajv = new Ajv2020({ strict: false });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    const paths = chainPaths() as Record<string, Record<string, Operation>>;
    const check = (path: string, method: string, status: number, body: unknown) => {
      const schema = paths[path][method].responses[String(status)].content?.['application/json']?.schema ?? paths[path][method].responses[String(status)].content?.['application/problem+json']?.schema;
      assert.ok(schema, `${method} ${path} declares ${status}`);
      const ok = ajv.validate(schema, body);
      assert.ok(ok, `${method} ${path} ${status}: ${ajv.errorsText()}`);
    };
    const definition = { name: 'twice', steps: [{ id: 'a', workflow: 'enhance', inputs: { image: { from: 'inputs.photo' } } }], inputs: [{ name: 'photo', type: 'image' }] };
    const first = await t.json('/chains', { method: 'POST', body: JSON.stringify(definition) });
    check('/chains', 'post', first.status, first.body);
    const second = await t.json('/chains', { method: 'POST', body: JSON.stringify({ ...definition, steps: [{ ...definition.steps[0], params: { scale: 4 } }] }) });
    check('/chains', 'post', second.status, second.body);
    const bad = await t.json('/chains', { method: 'POST', body: JSON.stringify({ name: 'x', steps: [] }) });
    check('/chains', 'post', bad.status, bad.body);
    const list = await t.json('/chains');
    check('/chains', 'get', list.status, list.body);
    const versions = await t.json('/chains/twice/versions');
    check('/chains/{name}/versions', 'get', versions.status, versions.body);
    const diff = await t.json('/chains/twice/diff');
    check('/chains/{name}/diff', 'get', diff.status, diff.body);
    const missing = await t.json('/chains/none/diff');
    check('/chains/{name}/diff', 'get', missing.status, missing.body);
  });
});
