// OpenAPI 3.1 built from the contract's zod schemas: the ones that validate requests and the
// ones that describe responses. A builder only: the router serves what it returns.
import { z } from 'zod';
import { artifactDetailSchema, artifactSchema, uploadedArtifactSchema } from '../../contract/artifact.js';
import { healthSchema } from '../../contract/health.js';
import { auditEventSchema, jobDetailSchema, jobSchema, submitJobResponseSchema } from '../../contract/job.js';
import { kindListSchema } from '../../contract/kinds.js';
import { itemsSchema, pageSchema } from '../../contract/pages.js';
import { jsonValueSchema } from '../../contract/json.js';
import { problemSchema } from '../../contract/problem.js';
import { listArtifactsQuery, listJobsQuery, submitJobSchema } from '../../contract/requests.js';
import type { KindRegistry } from '../kinds/registry.js';

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete json.$schema;
  return json;
}

/** The answers' schemas, by component name; one shared $ref each for nested ones. */
const RESPONSES: Record<string, z.ZodType> = {
  Problem: problemSchema,
  JsonValue: jsonValueSchema,
  Artifact: artifactSchema,
  Job: jobSchema,
  SubmitJobResponse: submitJobResponseSchema,
  JobDetail: jobDetailSchema,
  JobPage: pageSchema(jobSchema),
  AuditEvents: itemsSchema(auditEventSchema),
  ArtifactDetail: artifactDetailSchema,
  ArtifactPage: pageSchema(artifactSchema),
  UploadedArtifact: uploadedArtifactSchema,
  Kinds: kindListSchema,
  Health: healthSchema,
};

function responseSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(RESPONSES)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io: 'output', unrepresentable: 'any', target: 'draft-2020-12', uri: (id) => `#/components/schemas/${id}` }) as {
    schemas: Record<string, JsonSchema>;
  };
  for (const schema of Object.values(schemas)) {
    delete schema.$schema;
    delete schema.$id;
  }
  return schemas;
}

function queryParameters(schema: z.ZodObject): JsonSchema[] {
  return Object.entries(schema.shape).map(([name, field]) => ({
    name,
    in: 'query',
    required: false,
    schema: schemaOf(field as z.ZodType),
  }));
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const problem = ref('Problem');
const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: problem } } });
const errors = {
  401: problemResponse('No signed-in user'),
  403: problemResponse('The user is not an admin'),
};
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

export function buildOpenApi(kinds: KindRegistry, mountPath: string): JsonSchema {
  const paramsByKind = Object.fromEntries(kinds.all().map((k) => [`${k.kind}Params`, schemaOf(k.paramsSchema)]));
  const json = (description: string, schema: JsonSchema) => ({ description, content: { 'application/json': { schema } } });
  const wire = (description: string, name: string) => json(description, ref(name));
  return {
    openapi: '3.1.0',
    info: { title: 'Media Lab API', version: '0.1.0', description: 'Admin-only media jobs: submit, watch, cancel, retry; artifacts with lineage.' },
    servers: [{ url: mountPath }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        ...responseSchemas(),
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
          responses: { 201: wire('Stored', 'UploadedArtifact'), 200: wire('Already stored (same bytes)', 'UploadedArtifact'), 413: problemResponse('Too large'), 415: problemResponse('Unsupported format'), 422: problemResponse('Corrupt file'), ...errors },
        },
      },
      '/jobs': {
        post: {
          summary: 'Submit a job (202); Idempotency-Key: the same key and body return the same job, the same key with another body is 422 IDEMPOTENCY_KEY_REUSED',
          parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 200 } }],
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/SubmitJob' } } } },
          responses: { 202: wire('Queued', 'SubmitJobResponse'), 422: problemResponse('Invalid fields (named in errors[])'), 429: problemResponse('Quota exceeded (Retry-After)'), ...errors },
        },
        get: { summary: 'List jobs, newest first, cursor paging', parameters: queryParameters(listJobsQuery), responses: { 200: wire('A page of jobs', 'JobPage'), 422: problemResponse('Invalid query'), ...errors } },
      },
      '/jobs/{id}': { get: { summary: 'Job detail with inputs and outputs', parameters: [idParam], responses: { 200: wire('The job', 'JobDetail'), 404: problemResponse('No such job'), ...errors } } },
      '/jobs/{id}/cancel': { post: { summary: 'Cancel a queued or running job', parameters: [idParam], responses: { 200: wire('Cancelled', 'Job'), 202: wire('Cancel requested; the executor stops at its next checkpoint', 'Job'), 404: problemResponse('No such job'), 409: problemResponse('Illegal transition (currentStatus)'), ...errors } } },
      '/jobs/{id}/retry': { post: { summary: 'Retry a failed or cancelled job', parameters: [idParam], responses: { 202: wire('Queued again', 'Job'), 404: problemResponse('No such job'), 409: problemResponse('Illegal transition (currentStatus)'), ...errors } } },
      '/jobs/{id}/events': { get: { summary: 'The audit trail of a job', parameters: [idParam], responses: { 200: wire('Events, oldest first', 'AuditEvents'), 404: problemResponse('No such job'), ...errors } } },
      '/artifacts': { get: { summary: 'Gallery listing, newest first, cursor paging', parameters: queryParameters(listArtifactsQuery), responses: { 200: wire('A page of artifacts', 'ArtifactPage'), ...errors } } },
      '/artifacts/{id}': { get: { summary: 'Artifact metadata and lineage back to the uploaded sources', parameters: [idParam], responses: { 200: wire('The artifact', 'ArtifactDetail'), 404: problemResponse('No such artifact'), ...errors } } },
      '/artifacts/{id}/content': { get: { summary: 'The bytes (ETag = sha256, HTTP Range)', parameters: [idParam], responses: { 200: { description: 'The file' }, 206: { description: 'A range' }, 304: { description: 'Not modified' }, 404: problemResponse('No such artifact'), ...errors } } },
      '/artifacts/{id}/thumbnail': { get: { summary: 'A WebP thumbnail of an image', parameters: [idParam, { name: 'size', in: 'query', schema: { type: 'integer', minimum: 16, maximum: 1024 } }], responses: { 200: { description: 'image/webp' }, 404: problemResponse('No such image'), ...errors } } },
      '/kinds': { get: { summary: 'The workflow kinds, their parameter schemas and availability', responses: { 200: wire('The kinds', 'Kinds'), ...errors } } },
      '/health': { get: { summary: 'Database, queue depth by status, live workers, executors', responses: { 200: wire('Healthy', 'Health'), 503: wire('Database unreachable', 'Health'), ...errors } } },
      '/events': { get: { summary: 'WebSocket: job.updated, job.progress, job.finished (same auth; ?token= accepted by the demo host)', responses: { 101: { description: 'Switching protocols' }, ...errors } } },
    },
  };
}
