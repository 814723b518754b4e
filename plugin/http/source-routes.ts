// The host's own media (the `sources` option) as references:
//   GET  /sources                         the sources, for the pickers
//   GET  /sources/:name/items?query=&page= one page of a source's items (page 1-based)
//   POST /sources/:name/import {id}       the item as an input artifact: 201 new, 200 when the same
//                                         bytes are already stored (sha256); metadata.source names
//                                         the source and the item
// Errors: 404 SOURCE_NOT_FOUND, 404 SOURCE_ITEM_NOT_FOUND (with the source's reason), 400
// SOURCE_ITEM_INVALID (an id the source never hands out, e.g. one climbing out of its folder),
// 502 SOURCE_UNAVAILABLE (the host's code failed), 422 VALIDATION_FAILED naming the field.
// `sourcePaths` is the OpenAPI 3.1 description of these routes (for the API document).
import { createReadStream } from 'node:fs';
import express, { type Request, type Response, type Router } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { UploadedArtifact } from '../../contract/artifact.js';
import type { ApiDoc, PathItems } from './openapi.js';
import { sourceImportRequestSchema, sourceListSchema, sourcePageSchema, type ArtifactSource, type SourcePage } from '../../contract/sources.js';
import type { LocalStorage } from '../artifacts/storage.js';
import { FileTooLargeError } from '../artifacts/storage.js';
import { MediaLabError } from '../core/errors.js';
import { nowIso } from '../core/time.js';
import { SourceItemError, type MediaSource } from '../sources/types.js';
import { userOf } from './auth.js';
import { route } from './handle.js';
import { sendProblem, validationProblem } from './problem.js';
import type { Logger } from '../core/logger.js';
import { adoptInput, type UploadLimits } from './uploads.js';
import { artifactView } from './views.js';

export interface SourceRouteDeps {
  knex: Knex;
  storage: LocalStorage;
  limits: UploadLimits;
  mount: string;
  sources: MediaSource[];
  log?: Pick<Logger, 'warn'>;
}

const listQuery = z.object({
  query: z.string().max(200, 'at most 200 characters').optional(),
  page: z.coerce.number().int('a whole number').min(1, 'at least 1').max(10_000, 'at most 10000').optional(),
});

function unavailable(res: Response, source: MediaSource, error: unknown, log?: Pick<Logger, 'warn'>): void {
  log?.warn(`[media-lab] source ${source.name} failed: ${(error as Error)?.stack ?? String(error)}`);
  sendProblem(res, { title: 'Source unavailable', status: 502, code: 'SOURCE_UNAVAILABLE', detail: `${source.label} failed to answer: ${(error as Error)?.message ?? String(error)}` });
}

function itemProblem(res: Response, source: MediaSource, id: string, error: SourceItemError | null): void {
  if (error?.reason === 'invalid') {
    return sendProblem(res, { title: 'Invalid source item id', status: 400, code: 'SOURCE_ITEM_INVALID', detail: error.message, errors: [{ field: 'id', message: error.message }] });
  }
  sendProblem(res, { title: 'Source item not found', status: 404, code: 'SOURCE_ITEM_NOT_FOUND', detail: error?.message ?? `${source.label} has no item "${id}"` });
}

export function createSourceRoutes({ knex, storage, limits, mount, sources, log }: SourceRouteDeps): Router {
  const router = express.Router();
  const byName = new Map(sources.map((s) => [s.name, s]));
  const sourceOf = (req: Request<{ name: string }>, res: Response): MediaSource | null => {
    const source = byName.get(req.params.name);
    if (!source) sendProblem(res, { title: 'Source not found', status: 404, code: 'SOURCE_NOT_FOUND', detail: `there is no media source "${req.params.name}"` });
    return source ?? null;
  };

  router.get(
    '/sources',
    route((_req, res) => {
      res.json({ sources: sources.map((s) => ({ name: s.name, label: s.label })) });
    }),
  );

  router.get(
    '/sources/:name/items',
    route(async (req, res) => {
      const source = sourceOf(req as Request<{ name: string }>, res);
      if (!source) return;
      const parsed = listQuery.safeParse(req.query);
      if (!parsed.success) return sendProblem(res, validationProblem(parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }))));
      const query = parsed.data.query ?? '';
      const page = parsed.data.page ?? 1;
      let listing;
      try {
        listing = await source.list(query, page);
      } catch (error) {
        return unavailable(res, source, error, log);
      }
      const body: SourcePage = { source: source.name, query, page, items: listing.items, hasMore: listing.hasMore, ...(listing.total !== undefined ? { total: listing.total } : {}) };
      res.json(body);
    }),
  );

  router.post(
    '/sources/:name/import',
    route(async (req, res) => {
      const source = sourceOf(req as Request<{ name: string }>, res);
      if (!source) return;
      const parsed = sourceImportRequestSchema.safeParse(req.body ?? {});
      if (!parsed.success) return sendProblem(res, validationProblem(parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message }))));
      const { id } = parsed.data;
      let file;
      try {
        file = await source.open(id);
      } catch (error) {
        if (error instanceof SourceItemError) return itemProblem(res, source, id, error);
        return unavailable(res, source, error, log);
      }
      if (!file) return itemProblem(res, source, id, null);
      let received;
      try {
        const stream = 'stream' in file ? file.stream : createReadStream(file.path);
        received = await storage.writeTemp(stream, { maxBytes: limits.maxBytes });
      } catch (error) {
        if (error instanceof FileTooLargeError) throw new MediaLabError('INPUT_TOO_LARGE', `${file.filename} is larger than the upload limit of ${Math.round(limits.maxBytes / 1024 / 1024)} MB.`);
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return itemProblem(res, source, id, new SourceItemError('missing', `${source.label} has no item "${id}" (the file is not there any more)`));
        return unavailable(res, source, error, log);
      }
      const user = userOf(req);
      const origin: ArtifactSource = { name: source.name, label: source.label, id, importedAt: nowIso(), importedBy: user.id };
      const { artifact, created } = await adoptInput(received, { knex, storage, limits, user }, { originalName: file.filename, source: origin });
      const body: UploadedArtifact = { ...artifactView(mount, artifact), deduplicated: !created };
      res.status(created ? 201 : 200).json(body);
    }),
  );
  return router;
}

// ---- OpenAPI 3.1 path items (plain JSON) -----------------------------------------------------

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
const nameParam = { name: 'name', in: 'path', required: true, description: 'The source (GET /sources)', schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' } };

/** These routes as OpenAPI 3.1 path items, keyed by path (relative to the mount). */
export const sourcePaths = {
  '/sources': {
    get: {
      operationId: 'listSources',
      summary: "The host's media sources offered as references (the `sources` option)",
      tags: ['sources'],
      responses: { 200: { description: 'The sources', content: { 'application/json': { schema: jsonSchema(sourceListSchema) } } }, 401: problem('Not signed in'), 403: problem('Not an admin') },
    },
  },
  '/sources/{name}/items': {
    get: {
      operationId: 'listSourceItems',
      summary: "One page of a source's items, filtered by a search text",
      tags: ['sources'],
      parameters: [
        nameParam,
        { name: 'query', in: 'query', required: false, schema: { type: 'string', maxLength: 200 } },
        { name: 'page', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 10000, default: 1 } },
      ],
      responses: {
        200: { description: 'A page of items', content: { 'application/json': { schema: jsonSchema(sourcePageSchema) } } },
        404: problem('No such source (SOURCE_NOT_FOUND)'),
        422: problem('Invalid query or page (VALIDATION_FAILED, fields named)'),
        502: problem("The host's source failed (SOURCE_UNAVAILABLE)"),
        401: problem('Not signed in'),
        403: problem('Not an admin'),
      },
    },
  },
  '/sources/{name}/import': {
    post: {
      operationId: 'importSourceItem',
      summary: 'Import an item as an input artifact (deduplicated by sha256; metadata.source names its origin)',
      tags: ['sources'],
      parameters: [nameParam],
      requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(sourceImportRequestSchema) } } },
      responses: {
        201: { description: 'Imported', content: { 'application/json': { schema: { $ref: '#/components/schemas/UploadedArtifact' } } } },
        200: { description: 'Already stored (same bytes)', content: { 'application/json': { schema: { $ref: '#/components/schemas/UploadedArtifact' } } } },
        400: problem('An id the source never hands out (SOURCE_ITEM_INVALID)'),
        404: problem('No such source (SOURCE_NOT_FOUND) or item (SOURCE_ITEM_NOT_FOUND, with the reason)'),
        413: problem('Larger than the upload limit (INPUT_TOO_LARGE)'),
        415: problem('Not a supported media format (UNSUPPORTED_FORMAT)'),
        422: problem('Missing id (VALIDATION_FAILED) or undecodable file (CORRUPT_INPUT)'),
        502: problem("The host's source failed (SOURCE_UNAVAILABLE)"),
        401: problem('Not signed in'),
        403: problem('Not an admin'),
      },
    },
  },
} as const;

/** The source routes' part of the API document (plugin/http/api-docs.ts). */
export const sourceRoutesDoc: ApiDoc = {
  tag: { name: 'sources', description: "The host's own media (the `sources` option), listed and imported as input artifacts" },
  paths: sourcePaths as unknown as PathItems,
};
