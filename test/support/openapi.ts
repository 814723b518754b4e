// The OpenAPI document as a test oracle: every answer an API test receives through the test
// lab's request helpers (TestLab.fetch / .json) is checked against the document the server
// itself serves: the operation (method + path) must be in it, the status must be one it lists,
// the Content-Type one it lists for that status, and a JSON body must validate (ajv, JSON Schema
// 2020-12) against that answer's schema. So the document cannot drift from the code.
import { AssertionError } from 'node:assert';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Router } from 'express';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export type OpenApiDocument = {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
};

interface ResponseObject {
  description: string;
  content?: Record<string, { schema?: unknown }>;
}
interface OperationObject {
  operationId: string;
  responses: Record<string, ResponseObject>;
}

const DOC_ID = 'https://media-lab.invalid/openapi.json';
const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const;

/** Points `#/components/...` refs at the document added to ajv under DOC_ID. */
function rebased(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebased);
  if (!schema || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [key, key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `${DOC_ID}${value}` : rebased(value)]),
  );
}

/** `image/*` covers `image/png`; parameters (`; charset=utf-8`) do not count. */
function mediaTypeMatches(listed: string, actual: string): boolean {
  if (listed === actual || listed === '*/*') return true;
  return listed.endsWith('/*') && actual.startsWith(listed.slice(0, -1));
}

export interface CheckedAnswer {
  method: string;
  /** The URL path as requested (mount included), e.g. `/api/media-lab/jobs/abc`. */
  path: string;
  status: number;
  contentType: string | null;
  /** The body text (JSON answers are parsed and validated). */
  body: string;
}

/** The contract of the lab served at `api` (its GET /openapi.json, fetched once, on first use). */
export function contractOf(api: string): () => Promise<OpenApiContract> {
  let contract: Promise<OpenApiContract> | null = null;
  return () => {
    contract ??= fetch(`${api}/openapi.json`)
      .then((res) => res.json() as Promise<OpenApiDocument>)
      .then((doc) => new OpenApiContract(doc));
    return contract;
  };
}

export class OpenApiContract {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly templates: Array<{ template: string; pattern: RegExp; literalSegments: number }>;

  constructor(readonly doc: OpenApiDocument) {
    addFormats(this.ajv);
    this.ajv.addFormat('artifact-id', true);
    this.ajv.addSchema({ $id: DOC_ID, components: rebased(doc.components) as object });
    this.templates = Object.keys(doc.paths)
      .map((template) => ({
        template,
        pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
        literalSegments: template.split('/').filter((s) => s && !s.startsWith('{')).length,
      }))
      // `/presets/{name}/versions` before `/presets/{name}`: the most literal template wins.
      .sort((a, b) => b.literalSegments - a.literalSegments);
  }

  /** The path template (`/api/media-lab/jobs/{id}`) a request path falls under, if any. */
  templateOf(path: string): string | null {
    return this.templates.find((t) => t.pattern.test(path))?.template ?? null;
  }

  operation(method: string, template: string): OperationObject | null {
    return (this.doc.paths[template]?.[method.toLowerCase()] as OperationObject | undefined) ?? null;
  }

  private validator(key: string, schema: unknown): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(rebased(schema) as object);
      this.validators.set(key, validate);
    }
    return validate;
  }

  /** Throws an AssertionError naming what does not match the document. */
  check(answer: CheckedAnswer): void {
    const method = answer.method.toUpperCase();
    const where = `${method} ${answer.path}`;
    const template = this.templateOf(answer.path);
    // Express answers HEAD with the GET route (no body).
    const operation = template ? (this.operation(method, template) ?? (method === 'HEAD' ? this.operation('GET', template) : null)) : null;
    const mediaType = answer.contentType?.split(';')[0].trim().toLowerCase() ?? null;
    let response: ResponseObject | undefined;
    let name: string;
    if (!operation) {
      // Only the router's fallback answers a route the document does not describe: a 404 Problem.
      if (answer.status !== 404) fail(`${where} answered ${answer.status}, but the OpenAPI document has no operation ${method} ${template ?? answer.path}`);
      response = { description: 'unknown route', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
      name = `${where} (no such route)`;
    } else {
      name = `${method} ${template} (${operation.operationId}) ${answer.status}`;
      response = operation.responses[String(answer.status)] ?? operation.responses[`${String(answer.status)[0]}XX`] ?? operation.responses.default;
      if (!response) fail(`${where} answered ${answer.status}, which the OpenAPI document does not list for ${method} ${template} (it lists ${Object.keys(operation.responses).join(', ')})`);
    }
    const content = response.content;
    if (!content) {
      if (answer.body.length > 0) fail(`${name}: the document describes no body, but the answer has ${answer.body.length} bytes (${mediaType})`);
      return;
    }
    if (answer.body.length === 0 && (answer.status === 304 || method === 'HEAD')) return;
    const listed = Object.keys(content).find((type) => mediaType !== null && mediaTypeMatches(type, mediaType));
    if (!listed) fail(`${name}: Content-Type ${answer.contentType} is not one the document lists (${Object.keys(content).join(', ')})`);
    if (!/[/+]json$/.test(listed)) return;
    let body: unknown;
    try {
      body = JSON.parse(answer.body);
    } catch {
      fail(`${name}: the body is not JSON: ${answer.body.slice(0, 200)}`);
    }
    const schema = content[listed].schema;
    if (!schema) return;
    const validate = this.validator(`${template ?? '?'} ${method} ${answer.status} ${listed}`, schema);
    if (!validate(body)) {
      const errors = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '(body)'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` "${String(e.params.additionalProperty)}"` : ''}`);
      fail(`${name}: the body does not match its schema in the OpenAPI document:\n  ${errors.join('\n  ')}\nbody: ${answer.body.slice(0, 400)}`);
    }
  }

  /** Checks a fetch Response (reads a clone, so the caller can still read the body). */
  async checkResponse(method: string, res: Response): Promise<void> {
    const url = new URL(res.url);
    const upgrade = res.status === 101;
    if (upgrade) return;
    this.check({ method, path: url.pathname, status: res.status, contentType: res.headers.get('content-type'), body: await res.clone().text() });
  }
}

function fail(message: string): never {
  throw new AssertionError({ message });
}

/** One route the Express router serves: its method and its path as an OpenAPI template. */
export interface ServedRoute {
  method: string;
  path: string;
}

interface LayerLike {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
  rawPath?: string | string[] | RegExp;
  name?: string;
}

/** Express path syntax (`/jobs/:id`) as an OpenAPI path template (`/jobs/{id}`). */
function templateOfExpress(path: string): string {
  if (/[*?()]|\{\//.test(path)) throw new Error(`route path ${path}: only :params are turned into OpenAPI templates; describe this one by hand`);
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function joinPaths(prefix: string, path: string): string {
  const joined = `${prefix.replace(/\/$/, '')}/${path.replace(/^\//, '')}`;
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

/**
 * Every route of an Express router (nested routers included) under `prefix`, plus the path
 * prefixes where middleware answers (express.static at /ui, CORS at /presets): `middlewarePrefixes`.
 */
export function servedRoutes(router: Router, prefix: string): { routes: ServedRoute[]; middlewarePrefixes: string[] } {
  const routes: ServedRoute[] = [];
  const middlewarePrefixes: string[] = [];
  const walk = (stack: LayerLike[], base: string) => {
    for (const layer of stack) {
      const raw = layer.rawPath;
      if (raw instanceof RegExp || Array.isArray(raw)) throw new Error(`a router layer under ${base} is mounted at ${String(raw)}: the route walk handles string paths only`);
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          for (const [method, on] of Object.entries(layer.route.methods)) {
            if (on && method !== '_all') routes.push({ method: method.toUpperCase(), path: templateOfExpress(joinPaths(base, path)) });
          }
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, raw && raw !== '/' ? joinPaths(base, raw) : base);
      } else if (raw && raw !== '/') {
        middlewarePrefixes.push(`${joinPaths(base, raw)}/`);
      }
    }
  };
  walk((router as unknown as { stack: LayerLike[] }).stack, prefix);
  return { routes, middlewarePrefixes };
}

export const OPERATION_METHODS = METHODS;

/** The routes a router serves that the document lacks, each as a sentence naming it. */
export function undocumentedRoutes(doc: OpenApiDocument, served: ServedRoute[]): string[] {
  return served
    .filter((r) => !(doc.paths[r.path] as Record<string, unknown> | undefined)?.[r.method.toLowerCase()])
    .map(
      (r) =>
        `${r.method} ${r.path} is served by the router but not in the OpenAPI document: export an ApiDoc next to its handlers and add it to API_DOCS in plugin/http/api-docs.ts`,
    );
}

/** The operations the document lists that nothing serves (WebSocket paths excepted), each as a sentence. */
export function unservedOperations(doc: OpenApiDocument, served: { routes: ServedRoute[]; middlewarePrefixes: string[] }): string[] {
  const out: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    if ((item as Record<string, unknown>)['x-media-lab-not-routed']) continue;
    for (const method of METHODS) {
      if (!item[method]) continue;
      const routed = served.routes.some((r) => r.path === path && r.method === method.toUpperCase());
      const byMiddleware = served.middlewarePrefixes.some((prefix) => `${path}/`.startsWith(prefix));
      if (!routed && !byMiddleware) out.push(`${method.toUpperCase()} ${path} is in the OpenAPI document but no route serves it`);
    }
  }
  return out;
}
