// OpenAPI 3.1 generated from the same zod schemas that validate requests.
import { z } from 'zod';
import type { KindRegistry } from '../kinds/registry.js';
import { submitJobSchema } from '../jobs/service.js';
import { listArtifactsQuery, listJobsQuery } from './router.js';

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete json.$schema;
  return json;
}

function queryParameters(schema: z.ZodObject): JsonSchema[] {
  return Object.entries(schema.shape).map(([name, field]) => ({
    name,
    in: 'query',
    required: false,
    schema: schemaOf(field as z.ZodType),
  }));
}

const problem = { $ref: '#/components/schemas/Problem' };
const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: problem } } });
const errors = {
  401: problemResponse('No signed-in user'),
  403: problemResponse('The user is not an admin'),
};
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

export function buildOpenApi(kinds: KindRegistry, mountPath: string): JsonSchema {
  const paramsByKind = Object.fromEntries(kinds.all().map((k) => [`${k.kind}Params`, schemaOf(k.paramsSchema)]));
  const json = (schema: JsonSchema, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
  return {
    openapi: '3.1.0',
    info: { title: 'Media Lab API', version: '0.1.0', description: 'Admin-only media jobs: submit, watch, cancel, retry; artifacts with lineage.' },
    servers: [{ url: mountPath }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['title', 'status'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            code: { type: 'string' },
            errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
        SubmitJob: schemaOf(submitJobSchema),
        ...paramsByKind,
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/uploads': {
        post: {
          summary: 'Upload an input file (multipart field "file"); format detected from its bytes, deduplicated by sha256',
          requestBody: { content: { 'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } }, required: ['file'] } } } },
          responses: { 201: { description: 'Stored' }, 200: { description: 'Already stored (same bytes)' }, 413: problemResponse('Too large'), 415: problemResponse('Unsupported format'), 422: problemResponse('Corrupt file'), ...errors },
        },
      },
      '/jobs': {
        post: {
          summary: 'Submit a job (202); Idempotency-Key header returns the same job for a repeated submit',
          parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 200 } }],
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/SubmitJob' } } } },
          responses: { 202: { description: 'Queued' }, 422: problemResponse('Invalid fields (named in errors[])'), 429: problemResponse('Quota exceeded (Retry-After)'), ...errors },
        },
        get: { summary: 'List jobs, newest first, cursor paging', parameters: queryParameters(listJobsQuery), responses: { 200: { description: 'A page of jobs' }, 422: problemResponse('Invalid query'), ...errors } },
      },
      '/jobs/{id}': { get: { summary: 'Job detail with inputs and outputs', parameters: [idParam], responses: { 200: { description: 'The job' }, 404: problemResponse('No such job'), ...errors } } },
      '/jobs/{id}/cancel': { post: { summary: 'Cancel a queued or running job', parameters: [idParam], responses: { 200: { description: 'Cancelled' }, 202: { description: 'Cancel requested; the executor stops at its next checkpoint' }, 404: problemResponse('No such job'), 409: problemResponse('Illegal transition (currentStatus)'), ...errors } } },
      '/jobs/{id}/retry': { post: { summary: 'Retry a failed or cancelled job', parameters: [idParam], responses: { 202: { description: 'Queued again' }, 404: problemResponse('No such job'), 409: problemResponse('Illegal transition (currentStatus)'), ...errors } } },
      '/jobs/{id}/events': { get: { summary: 'The audit trail of a job', parameters: [idParam], responses: { 200: { description: 'Events, oldest first' }, 404: problemResponse('No such job'), ...errors } } },
      '/artifacts': { get: { summary: 'Gallery listing, newest first, cursor paging', parameters: queryParameters(listArtifactsQuery), responses: { 200: { description: 'A page of artifacts' }, ...errors } } },
      '/artifacts/{id}': { get: { summary: 'Artifact metadata and lineage back to the uploaded sources', parameters: [idParam], responses: { 200: { description: 'The artifact' }, 404: problemResponse('No such artifact'), ...errors } } },
      '/artifacts/{id}/content': { get: { summary: 'The bytes (ETag = sha256, HTTP Range)', parameters: [idParam], responses: { 200: { description: 'The file' }, 206: { description: 'A range' }, 304: { description: 'Not modified' }, 404: problemResponse('No such artifact'), ...errors } } },
      '/artifacts/{id}/thumbnail': { get: { summary: 'A WebP thumbnail of an image', parameters: [idParam, { name: 'size', in: 'query', schema: { type: 'integer', minimum: 16, maximum: 1024 } }], responses: { 200: { description: 'image/webp' }, 404: problemResponse('No such image'), ...errors } } },
      '/kinds': { get: { summary: 'The workflow kinds, their parameter schemas and availability', responses: { 200: json({ type: 'object' }) } } },
      '/health': { get: { summary: 'Database, queue depth by status, live workers, executors', responses: { 200: { description: 'Healthy' }, 503: { description: 'Database unreachable' }, ...errors } } },
      '/events': { get: { summary: 'WebSocket: job.updated, job.progress, job.finished (same auth; ?token= accepted by the demo host)', responses: { 101: { description: 'Switching protocols' }, ...errors } } },
    },
  };
}
