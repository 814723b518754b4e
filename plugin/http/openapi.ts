// The OpenAPI 3.1 document, composed from the route modules' own contributions. A route module
// exports an `ApiDoc` next to its handlers (its path items and the contract's zod schemas they
// name); `plugin/http/api-docs.ts` lists them; `buildOpenApi` turns the list into one document.
// Schemas come from contract/ through `z.toJSONSchema`, so the document and the server's own
// validation share one source.
import { z } from 'zod';
import { jsonValueSchema } from '../../contract/json.js';
import { problemSchema } from '../../contract/problem.js';
import type { KindRegistry } from '../kinds/registry.js';
import type { PresetRegistry } from '../pipelines/comfy/preset-registry.js';

export type JsonSchema = Record<string, unknown>;

/** An Operation Object (https://spec.openapis.org/oas/v3.1.0#operation-object), loosely typed. */
export interface Operation {
  /** Unique across the document: what a generated client names the method. */
  operationId: string;
  summary: string;
  description?: string;
  tags?: string[];
  parameters?: JsonSchema[];
  requestBody?: JsonSchema;
  responses: Record<string, JsonSchema>;
  /** Absent: the document's default (an admin's bearer token). `[]`: no token needed. */
  security?: Array<Record<string, string[]>>;
  [extension: `x-${string}`]: unknown;
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head' | 'options';
export type PathItem = Partial<Record<Method, Operation>> & { description?: string; [extension: `x-${string}`]: unknown };
/** Path items keyed by OpenAPI path under the mount, e.g. `/jobs/{id}`. */
export type PathItems = Record<string, PathItem>;

/** What a contribution may read while the document is built (per request: kinds and presets change). */
export interface ApiDocContext {
  /** The lab's mount path (`/api/media-lab`). */
  mount: string;
  kinds: KindRegistry;
  /** The ComfyUI preset registry, when the lab has one (per-preset parameter schemas). */
  presets?: PresetRegistry;
}

/** One route module's part of the document. */
export interface ApiDoc {
  /** The tag its operations are grouped under in /docs. */
  tag: { name: string; description: string };
  /** Schemas of what the routes answer (JSON Schema of the zod output), by component name. */
  responses?: Record<string, z.ZodType>;
  /** Schemas of what callers send (JSON Schema of the zod input), by component name. */
  requests?: Record<string, z.ZodType>;
  /** Component schemas computed per document (per-kind and per-preset parameters), already JSON Schema. */
  computedSchemas?(ctx: ApiDocContext): Record<string, JsonSchema> | Promise<Record<string, JsonSchema>>;
  /** Path items, keyed by path under `mount` (the lab's mount unless given). */
  paths: PathItems | ((ctx: ApiDocContext) => PathItems | Promise<PathItems>);
  /** Routes mounted elsewhere than the lab's router (the prompt-queue's own mount). */
  mount?: string;
}

/** Marks a path item served outside the Express router (the WebSocket upgrade). */
export const NOT_ROUTED = 'x-media-lab-not-routed';

// ---- helpers for contributions ----

export const schemaRef = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

/** A JSON answer whose body is the named component schema. */
export function jsonAnswer(description: string, schemaName: string, headers?: JsonSchema): JsonSchema {
  return { description, ...(headers ? { headers } : {}), content: { 'application/json': { schema: schemaRef(schemaName) } } };
}

/** A problem+json answer (the `Problem` schema). */
export function problemAnswer(description: string, headers?: JsonSchema): JsonSchema {
  return { description, ...(headers ? { headers } : {}), content: { 'application/problem+json': { schema: schemaRef('Problem') } } };
}

/** A path parameter (`{id}`). */
export function pathParam(name: string, description: string): JsonSchema {
  return { name, in: 'path', required: true, description, schema: { type: 'string' } };
}

/** A JSON request body. */
export function jsonBody(schemaName: string, required = true): JsonSchema {
  return { required, content: { 'application/json': { schema: schemaRef(schemaName) } } };
}

/** One query parameter per field of a zod object (the schema the route parses the query with). */
export function queryParameters(schema: z.ZodObject, descriptions: Record<string, string> = {}): JsonSchema[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const json = z.toJSONSchema(field as z.ZodType, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
    delete json.$schema;
    return { name, in: 'query', required: false, ...(descriptions[name] ? { description: descriptions[name] } : {}), schema: json };
  });
}

// ---- the builder ----

const BUILT_IN: ApiDoc = {
  tag: { name: 'problems', description: 'Every error is application/problem+json (RFC 9457) with a stable `code`.' },
  responses: { Problem: problemSchema, JsonValue: jsonValueSchema },
  requests: { JsonValue: jsonValueSchema },
  paths: {},
};

/** JSON Schemas of registered zod schemas; nested registered ones become `$ref`s. */
function componentSchemas(schemas: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) {
    if (!registry.has(schema)) registry.add(schema, { id });
  }
  const { schemas: out } = z.toJSONSchema(registry, { io, unrepresentable: 'any', target: 'draft-2020-12', uri: (id) => `#/components/schemas/${id}` }) as {
    schemas: Record<string, JsonSchema>;
  };
  if (out.__shared) {
    throw new Error(`OpenAPI: a recursive schema is not named; add it to an ApiDoc's ${io === 'input' ? 'requests' : 'responses'} (${JSON.stringify(out.__shared).slice(0, 200)})`);
  }
  // A schema registered twice under two names keeps one name; the other is a $ref to it.
  for (const [name, schema] of Object.entries(schemas)) {
    const id = registry.get(schema)?.id;
    if (id && id !== name) out[name] = schemaRef(id);
  }
  for (const schema of Object.values(out)) {
    delete schema.$schema;
    delete schema.$id;
  }
  return out;
}

function addAll(target: Record<string, JsonSchema>, more: Record<string, JsonSchema>, what: string): void {
  for (const [name, schema] of Object.entries(more)) {
    if (name in target && JSON.stringify(target[name]) !== JSON.stringify(schema)) {
      throw new Error(`OpenAPI: two different schemas are named "${name}" (${what})`);
    }
    target[name] = schema;
  }
}

function collect(docs: ApiDoc[], pick: (doc: ApiDoc) => Record<string, z.ZodType> | undefined): Record<string, z.ZodType> {
  const out: Record<string, z.ZodType> = {};
  for (const doc of docs) {
    for (const [name, schema] of Object.entries(pick(doc) ?? {})) {
      if (name in out && out[name] !== schema) throw new Error(`OpenAPI: two different schemas are named "${name}"`);
      out[name] = schema;
    }
  }
  return out;
}

const JSON_BODY_ERRORS = {
  400: problemAnswer('The body is not JSON (MALFORMED_JSON) or is malformed (BAD_REQUEST)'),
  413: problemAnswer('The body is larger than the limit (REQUEST_TOO_LARGE)'),
  415: problemAnswer('A body in a charset or encoding the server does not read (UNSUPPORTED_MEDIA_TYPE)'),
};
const AUTH_ERRORS = {
  401: problemAnswer('No signed-in user, or a token that does not verify (UNAUTHENTICATED)', { 'WWW-Authenticate': { schema: { type: 'string' } } }),
  403: problemAnswer('The user is not an admin (FORBIDDEN)'),
};
const INTERNAL = { 500: problemAnswer('An unexpected error (INTERNAL); the server log has the details') };

/** The answers every operation can give, added where the contribution did not list them. */
function completed(op: Operation, tag: string, publicOp: boolean): Operation {
  const hasJsonBody = Boolean((op.requestBody as { content?: Record<string, unknown> } | undefined)?.content?.['application/json']);
  return {
    ...op,
    tags: op.tags ?? [tag],
    responses: { ...(publicOp ? {} : AUTH_ERRORS), ...(hasJsonBody ? JSON_BODY_ERRORS : {}), ...INTERNAL, ...op.responses },
  };
}

const METHODS: Method[] = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

export async function buildOpenApi(ctx: ApiDocContext, contributions: ApiDoc[]): Promise<JsonSchema> {
  const docs = [BUILT_IN, ...contributions];
  const schemas: Record<string, JsonSchema> = {};
  addAll(schemas, componentSchemas(collect(docs, (d) => d.responses), 'output'), 'responses');
  addAll(schemas, componentSchemas(collect(docs, (d) => d.requests), 'input'), 'requests');
  const paths: Record<string, PathItem> = {};
  const operationIds = new Map<string, string>();
  for (const doc of docs) {
    if (doc.computedSchemas) addAll(schemas, await doc.computedSchemas(ctx), doc.tag.name);
    const items = typeof doc.paths === 'function' ? await doc.paths(ctx) : doc.paths;
    const mount = doc.mount ?? ctx.mount;
    for (const [path, item] of Object.entries(items)) {
      const full = `${mount}${path === '/' ? '' : path}` || '/';
      if (paths[full]) throw new Error(`OpenAPI: path ${full} is described twice`);
      const out: PathItem = { ...item };
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        const seen = operationIds.get(op.operationId);
        if (seen) throw new Error(`OpenAPI: operationId ${op.operationId} is used by ${seen} and ${method.toUpperCase()} ${full}`);
        operationIds.set(op.operationId, `${method.toUpperCase()} ${full}`);
        out[method] = completed(op, doc.tag.name, Array.isArray(op.security) && op.security.length === 0);
      }
      paths[full] = out;
    }
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: {
      title: 'Media Lab API',
      version: '0.1.0',
      description: [
        'Admin-only media jobs: upload inputs, submit jobs, watch them (WebSocket), cancel and retry; artifacts with lineage; ComfyUI presets.',
        '',
        'Every error is `application/problem+json` with a stable `code` (see the `Problem` schema); clients switch on `code`, never on the text.',
        'Lists page with a cursor: pass `nextCursor` back as `cursor`.',
      ].join('\n'),
    },
    // Paths carry the mount (the prompt-queue routes have their own), so the server is the origin.
    servers: [{ url: '/', description: 'The host that serves this document' }],
    tags: docs.filter((d) => d !== BUILT_IN).map((d) => d.tag),
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            "The host's token for a user with the admin role (option `authenticate`; `media-lab serve` verifies host JWTs, also accepted as `?token=` or the token cookie).",
        },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'Option `metricsToken`: a bearer token that may read GET /metrics and nothing else.' },
        tokenQuery: { type: 'apiKey', in: 'query', name: 'token', description: 'The same token as a query parameter, for the WebSocket and media URLs in <img>/<audio> tags (hosts that accept it).' },
      },
      schemas,
    },
    paths,
  };
}
