// The lineage routes' OpenAPI path items, plugged into the API document the way the lead will
// (paths merged, Provenance added to the components), validate as OpenAPI 3.1, name an
// operationId each, and their 200 schema is the one the server's answer parses with.
import { strict as assert } from 'node:assert';
import { compileErrors, validate } from '@readme/openapi-parser';
import { z } from 'zod';
import { jsonValueSchema } from '../../contract/json.js';
import { buildOpenApi } from '../../plugin/http/openapi.js';
import { lineagePaths, lineageSchemas } from '../../plugin/http/lineage-routes.js';
import { KindRegistry } from '../../plugin/kinds/registry.js';

describe('lineage routes: OpenAPI path items', () => {
  it('merge into the API document and validate as OpenAPI 3.1 with an operationId per operation', async () => {
    const doc = buildOpenApi(new KindRegistry(), '/api/media-lab') as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    doc.paths = { ...doc.paths, ...lineagePaths };
    // As openapi.ts builds its components: one registry, the recursive JsonValue shared by $ref.
    const registry = z.registry<{ id: string }>();
    registry.add(jsonValueSchema, { id: 'JsonValue' });
    for (const [id, schema] of Object.entries(lineageSchemas)) registry.add(schema, { id });
    const { schemas } = z.toJSONSchema(registry, { io: 'output', unrepresentable: 'any', target: 'draft-2020-12', uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, Record<string, unknown>> };
    for (const [name, json] of Object.entries(schemas)) {
      delete json.$schema;
      delete json.$id;
      doc.components.schemas[name] = json;
    }
    const result = await validate(structuredClone(doc) as Parameters<typeof validate>[0]);
    assert.ok(result.valid, compileErrors(result));

    const operations = Object.values(lineagePaths).flatMap((item) => Object.values(item) as Array<{ operationId: string; responses: Record<string, unknown> }>);
    assert.deepEqual(operations.map((o) => o.operationId).sort(), ['getArtifactProvenance', 'refreshArtifact', 'reproduceArtifact']);
    assert.ok(operations.every((o) => o.responses['404'] && o.responses['401']), 'every operation documents 404 and 401');
    assert.ok((lineagePaths['/artifacts/{id}/refresh']!.post as { responses: Record<string, unknown> }).responses['409'], 'refresh documents 409 NOT_STALE');
  });
});
