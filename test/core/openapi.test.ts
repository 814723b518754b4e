// The OpenAPI document: valid OpenAPI 3.1 as a client generator reads it, one operation for
// every route the router serves (and no operation nothing serves), per-kind and per-preset
// parameter schemas, security schemes; /openapi.json and /docs need no token. The answers of
// every API test are checked against it by test/support/lab.ts (see test/support/openapi.ts);
// the checks below show that checker failing on answers that do not match.
import assert from 'node:assert/strict';
import express from 'express';
import { validate } from '@readme/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createPromptQueue } from '../../plugin/prompt-queue/index.js';
import { steppingKind } from '../support/kinds.js';
import { startTestLab, type TestLab } from '../support/lab.js';
import { OpenApiContract, servedRoutes, undocumentedRoutes, unservedOperations, type OpenApiDocument } from '../support/openapi.js';

type Doc = OpenApiDocument & {
  security: unknown[];
  components: { schemas: Record<string, Record<string, unknown>>; securitySchemes: Record<string, Record<string, unknown>> };
  paths: Record<string, Record<string, { operationId: string; security?: unknown[]; responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>>;
};

const MOUNT = '/api/media-lab';

describe('OpenAPI document', function () {
  let t: TestLab;
  let doc: Doc;
  let promptMount: string;
  let promptRouter: express.Router;
  before(async () => {
    t = await startTestLab({ kinds: [steppingKind('voice')] });
    // The prompt queue's routes are mounted by the host at their own path; the adapter adds their docs.
    const queue = createPromptQueue(t.lab, { mountPath: '/api/prompts' }, { availability: async () => ({ available: true, reason: null }) as never });
    promptMount = queue.options.mountPath;
    promptRouter = queue.router;
    const res = await fetch(`${t.api}/openapi.json`);
    assert.equal(res.status, 200);
    doc = (await res.json()) as Doc;
  });
  after(async () => t.close());

  it('is valid OpenAPI 3.1 for @readme/openapi-parser (and the validator does reject a broken one)', async () => {
    const result = await validate(structuredClone(doc) as never);
    assert.ok(result.valid, `the document is not valid OpenAPI: ${JSON.stringify((result as { errors?: unknown }).errors ?? result).slice(0, 2000)}`);
    assert.equal(doc.openapi, '3.1.0');
    const broken = structuredClone(doc);
    broken.paths[`${MOUNT}/jobs`].get.operationId = broken.paths[`${MOUNT}/jobs/{id}`].get.operationId;
    const rejected = await validate(broken as never);
    assert.equal(rejected.valid, false, 'a duplicate operationId must be reported');
  });

  it('documents every route the router serves with the same method, and nothing it does not serve', () => {
    const lab = servedRoutes(t.lab.router, MOUNT);
    const prompts = servedRoutes(promptRouter, promptMount);
    const served = { routes: [...lab.routes, ...prompts.routes], middlewarePrefixes: [...lab.middlewarePrefixes, ...prompts.middlewarePrefixes] };
    assert.ok(served.routes.length >= 20, `the walk found ${served.routes.length} routes`);
    assert.deepEqual(undocumentedRoutes(doc, served.routes), []);
    assert.deepEqual(unservedOperations(doc, served), []);
    for (const expected of ['GET /api/media-lab/jobs/{id}', 'POST /api/media-lab/uploads', 'GET /api/media-lab/presets/{name}/diff', 'GET /api/media-lab/metrics', 'GET /api/prompts/{id}/artifacts']) {
      assert.ok(served.routes.some((r) => `${r.method} ${r.path}` === expected), `the walk finds ${expected}`);
    }
  });

  it('names a route that is served but undocumented', () => {
    const router = express.Router();
    router.get('/jobs', (_req, res) => void res.end());
    const nested = express.Router();
    nested.post('/chains/:name/run', (_req, res) => void res.end());
    router.use('/v2', nested);
    const missing = undocumentedRoutes(doc, servedRoutes(router, MOUNT).routes);
    assert.equal(missing.length, 1);
    assert.match(missing[0], /^POST \/api\/media-lab\/v2\/chains\/\{name\}\/run is served by the router but not in the OpenAPI document: .*API_DOCS/);
  });

  it('gives every operation an operationId, a success answer and error answers with schemas', () => {
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (method.startsWith('x-') || method === 'description') continue;
        assert.match(op.operationId, /^[a-z][A-Za-z]+$/, `${method} ${path}`);
        assert.ok(!ids.has(op.operationId), `operationId ${op.operationId} is unique`);
        ids.add(op.operationId);
        const statuses = Object.keys(op.responses);
        assert.ok(statuses.some((s) => /^[123]/.test(s)), `${method} ${path} lists a success`);
        assert.ok(statuses.includes('500'), `${method} ${path} lists 500`);
        for (const [status, response] of Object.entries(op.responses)) {
          for (const [type, media] of Object.entries(response.content ?? {})) {
            assert.ok(media.schema, `${method} ${path} ${status} ${type} has a schema`);
            if (/^[45]/.test(status) && !(path.endsWith('/health') && status === '503')) assert.deepEqual(media.schema, { $ref: '#/components/schemas/Problem' }, `${method} ${path} ${status} is a Problem`);
          }
        }
      }
    }
    assert.deepEqual(Object.keys(doc.paths[`${MOUNT}/jobs/{id}`].get.responses).sort(), ['200', '401', '403', '404', '500']);
    for (const name of ['Job', 'JobDetail', 'JobPage', 'Artifact', 'ArtifactPage', 'Health', 'Kinds', 'PresetList', 'Problem', 'LabSocketMessage', 'PromptPage']) {
      assert.ok(doc.components.schemas[name], `components.schemas.${name}`);
    }
  });

  it('has per-kind params schemas and one SubmitJob variant per ComfyUI preset that ajv applies to real bodies', () => {
    const schemas = doc.components.schemas;
    assert.deepEqual((schemas.enhanceParams.properties as Record<string, { enum?: unknown }>).qualityPreset.enum, ['fast', 'balanced', 'quality', 'max']);
    assert.deepEqual(schemas.interpolateParams.required, ['targetFps']);
    assert.ok((schemas.voiceParams.properties as Record<string, unknown>).steps, 'a registered test kind brings its own schema');
    assert.ok((schemas['Preset.txt2img.Params'].properties as Record<string, unknown>).prompt, 'the txt2img preset\'s parameters');
    assert.match(String(schemas.generateParams.description), /Preset-driven/);
    const titles = (schemas.SubmitJob.oneOf as Array<{ title: string }>).map((v) => v.title);
    for (const title of ['enhance job', 'interpolate job', 'voice job', 'generate job with preset txt2img', 'generate job with preset img2img', 'music job with preset music']) {
      assert.ok(titles.includes(title), `SubmitJob has "${title}" (has ${titles.join(', ')})`);
    }
    const ajv = new Ajv2020({ strict: false });
    ajv.addFormat('artifact-id', true);
    ajv.addSchema({ $id: 'https://doc.invalid/openapi.json', components: JSON.parse(JSON.stringify(doc.components).replaceAll('"#/components/', '"https://doc.invalid/openapi.json#/components/')) });
    const submit = ajv.getSchema('https://doc.invalid/openapi.json#/components/schemas/SubmitJob');
    assert.ok(submit);
    assert.equal(submit({ workflow: 'enhance', inputs: ['a1'], params: { scale: 4 } }), true, JSON.stringify(submit.errors));
    assert.equal(submit({ workflow: 'generate', params: { prompt: 'a lighthouse at dusk' } }), true, 'txt2img is the default generate preset');
    assert.equal(submit({ workflow: 'generate', preset: 'img2img', params: { prompt: 'x', reference: 'a1' } }), true, JSON.stringify(submit.errors));
    assert.equal(submit({ workflow: 'enhance', params: { scale: 5 } }), false, 'scale 5 is refused by enhanceParams');
    assert.equal(submit({ workflow: 'generate', preset: 'txt2img', params: { colour: 'red' } }), false, 'an unknown preset parameter is refused');
  });

  it('a newly published preset appears in the next document', async () => {
    const workflow = { '1': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'x.safetensors' } }, '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'ml' } } };
    const published = await t.json('/presets', { method: 'POST', body: JSON.stringify({ name: 'doc-probe', kind: 'generate', workflow, parameters: [] }) });
    assert.ok(published.status === 201 || published.status === 200, JSON.stringify(published.body));
    const next = (await (await fetch(`${t.api}/openapi.json`)).json()) as Doc;
    assert.ok(next.components.schemas['Preset.doc-probe.Params']);
  });

  it('declares the security schemes: the admin bearer by default, the metrics token on /metrics, none on the document', () => {
    assert.deepEqual(doc.security, [{ bearer: [] }]);
    assert.equal(doc.components.securitySchemes.bearer.scheme, 'bearer');
    assert.equal(doc.components.securitySchemes.metricsToken.scheme, 'bearer');
    assert.deepEqual(doc.paths[`${MOUNT}/metrics`].get.security, [{ bearer: [] }, { metricsToken: [] }]);
    assert.deepEqual(doc.paths[`${MOUNT}/openapi.json`].get.security, []);
    assert.deepEqual(doc.paths[`${MOUNT}/docs`].get.security, []);
  });

  it('/openapi.json and /docs answer without a token; the API itself still needs one', async () => {
    const json = await t.fetch('/openapi.json', { token: null });
    assert.equal(json.status, 200);
    const page = await t.fetch('/docs', { token: null });
    assert.equal(page.status, 200);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(assets.includes(`${MOUNT}/docs/swagger-ui-bundle.js`) && assets.includes(`${MOUNT}/docs/swagger-ui.css`), html);
    assert.ok(assets.every((a) => a.startsWith(MOUNT)), `no asset from elsewhere: ${assets.join(', ')}`);
    for (const asset of assets) {
      const res = await fetch(`${t.url}${asset}`);
      assert.equal(res.status, 200, asset);
      assert.ok((await res.arrayBuffer()).byteLength > 0, asset);
    }
    const init = await (await t.fetch('/docs/media-lab-docs.js', { token: null })).text();
    assert.match(init, /validatorUrl: null/, 'the page sends the document nowhere');
    const missing = await t.json<{ code: string }>('/docs/index.html', { token: null });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'NOT_FOUND');
    for (const path of ['/jobs', '/kinds', '/presets', '/metrics']) assert.equal((await t.fetch(path, { token: null })).status, 401, path);
  });

  describe('the answer checker the API tests go through', () => {
    let contract: OpenApiContract;
    let job: Record<string, unknown>;
    before(async () => {
      contract = await t.openApi();
      const submitted = await t.json<{ job: Record<string, unknown> }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'voice', params: { steps: 1 } }) });
      job = submitted.body.job;
    });
    const answer = (path: string, status: number, body: unknown, contentType = 'application/json; charset=utf-8', method = 'GET') => ({
      method,
      path: `${MOUNT}${path}`,
      status,
      contentType,
      body: JSON.stringify(body),
    });

    it('passes what the server sent', () => {
      contract.check({ ...answer('/jobs', 200, { items: [job], nextCursor: null }) });
    });

    it('fails a body with a field the schema does not have, naming it', () => {
      assert.throws(() => contract.check(answer('/jobs', 200, { items: [{ ...job, leaseOwner: 'w1' }], nextCursor: null })), /listJobs\) 200: the body does not match[\s\S]*\/items\/0 must NOT have additional properties "leaseOwner"/);
    });

    it('fails a body with a wrong type or value', () => {
      assert.throws(() => contract.check(answer(`/jobs/${String(job.id)}/cancel`, 202, { ...job, status: 'PAUSED' }, 'application/json', 'POST')), /cancelJob\) 202[\s\S]*\/status must be equal to one of the allowed values/);
      assert.throws(() => contract.check(answer('/health', 200, { ok: 'yes' })), /getHealth\) 200[\s\S]*\/ok must be boolean/);
    });

    it('fails a problem without a stable code', () => {
      assert.throws(() => contract.check(answer('/jobs/x', 404, { title: 'Not found', status: 404 }, 'application/problem+json')), /getJob\) 404[\s\S]*must have required property 'code'/);
    });

    it('fails a status the document does not list, and a route it does not describe', () => {
      assert.throws(() => contract.check(answer('/kinds', 418, {})), /GET \/api\/media-lab\/kinds answered 418, which the OpenAPI document does not list/);
      assert.throws(() => contract.check(answer('/not-a-route', 200, { items: [] })), /GET \/api\/media-lab\/not-a-route answered 200, but the OpenAPI document has no operation/);
    });

    it('fails a content type the document does not list for that answer', () => {
      assert.throws(() => contract.check(answer('/kinds', 200, { items: [] }, 'text/html')), /Content-Type text\/html is not one the document lists/);
    });
  });
});
