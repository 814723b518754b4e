// /artifacts: the gallery listing, one artifact with its lineage, its bytes and its thumbnail
// (an image scaled down, a video's poster, an audio clip's waveform: plugin/artifacts/thumbnails.ts).
// Unpublished outputs (of a job still running, or one that failed) are not visible.
import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import type { Knex } from 'knex';
import { artifactDetailSchema, artifactSchema } from '../../contract/artifact.js';
import { pageSchema } from '../../contract/pages.js';
import { listArtifactsQuery, thumbnailSizeQuery } from '../../contract/requests.js';
import { zodIssues } from '../../contract/zod-issues.js';
import { ValidationError } from '../core/errors.js';
import { lineageOf, listArtifacts } from '../artifacts/store.js';
import type { LocalStorage } from '../artifacts/storage.js';
import { thumbnailOf } from '../artifacts/thumbnails.js';
import { route } from './handle.js';
import { visibleArtifact } from './visible-artifact.js';
import { pageOf, parseQuery } from './query.js';
import { jsonAnswer, pathParam, problemAnswer, queryParameters, type ApiDoc } from './openapi.js';
import { artifactView, artifactViews } from './views.js';
import type { Staleness } from '../lineage/staleness.js';

export interface ArtifactRouteDeps {
  knex: Knex;
  storage: LocalStorage;
  mount: string;
  /** Whether each artifact sent is stale (computed when read). */
  staleness: Staleness;
}

export function createArtifactRoutes({ knex, storage, mount, staleness }: ArtifactRouteDeps): Router {
  const router = express.Router();

  router.get(
    '/artifacts',
    route(async (req, res) => {
      const q = parseQuery(listArtifactsQuery, req);
      const filters = { kind: q.kind, role: q.role, jobId: q.jobId, workflow: q.workflow };
      if (q.stale !== undefined) {
        const { items, reasons, nextCursor } = await staleness.page(filters, q.stale, { before: q.cursor, limit: q.limit });
        res.json({ items: artifactViews(mount, items, reasons), nextCursor });
        return;
      }
      const rows = await listArtifacts(knex, filters, { before: q.cursor, limit: q.limit + 1 });
      const { page, nextCursor } = pageOf(rows, q.limit);
      res.json({ items: artifactViews(mount, page, await staleness.ofArtifacts(page)), nextCursor });
    }),
  );

  router.get(
    '/artifacts/:id',
    route(async (req, res) => {
      const artifact = await visibleArtifact(knex, String(req.params.id));
      const lineage = await lineageOf(knex, artifact);
      const stale = await staleness.ofArtifacts([artifact, ...lineage]);
      res.json({ ...artifactView(mount, artifact, stale.get(artifact.id) ?? null), lineage: artifactViews(mount, lineage, stale) });
    }),
  );

  router.get(
    '/artifacts/:id/content',
    route(async (req, res) => {
      const artifact = await visibleArtifact(knex, String(req.params.id));
      const etag = `"${artifact.sha256}"`;
      res.setHeader('ETag', etag);
      res.setHeader('Cache-Control', 'private, max-age=31536000, immutable');
      if (req.get('If-None-Match') === etag) {
        res.status(304).end();
        return;
      }
      await sendFile(res, storage.pathOf(artifact.storageKey), artifact.mime);
    }),
  );

  router.get(
    '/artifacts/:id/thumbnail',
    route(async (req, res) => {
      const artifact = await visibleArtifact(knex, String(req.params.id));
      const size = thumbnailSizeQuery.safeParse(req.query.size);
      if (!size.success) throw new ValidationError(zodIssues(size.error, ['query', 'size']));
      const thumb = await thumbnailOf(knex, storage, artifact, size.data);
      res.setHeader('ETag', artifact.kind === 'image' ? `"${artifact.sha256}-${size.data}"` : `"${artifact.sha256}-${artifact.kind}-${size.data}"`);
      await sendFile(res, thumb, 'image/webp');
    }),
  );

  return router;
}

function sendFile(res: Response, path: string, mime: string): Promise<void> {
  const req = res.req;
  return new Promise((resolve, reject) => {
    // send handles Range / 206 / 416; our ETag is the content hash, set by the caller.
    res.sendFile(path, { headers: { 'Content-Type': mime }, etag: false, lastModified: false, acceptRanges: true, dotfiles: 'allow' }, (error) => {
      // A client that goes away mid-download (a gallery scrolled past) is not an error of ours.
      const aborted = (error as NodeJS.ErrnoException | undefined)?.code === 'ECONNABORTED' || req.destroyed;
      if (error && !aborted && !res.headersSent) reject(error);
      else resolve();
    });
  });
}

const artifactId = pathParam('id', 'The artifact id');
const notFound = problemAnswer('No such published artifact (NOT_FOUND)');
const bytes = (description: string, types: string[]) => ({
  description,
  content: Object.fromEntries(types.map((type) => [type, { schema: { type: 'string', contentMediaType: type, contentEncoding: 'binary' } }])),
});

/** The OpenAPI part of these routes (collected in api-docs.ts). */
export const artifactRoutesDoc: ApiDoc = {
  tag: { name: 'artifacts', description: 'Uploaded inputs and job outputs: the gallery, lineage, the bytes and thumbnails.' },
  responses: { Artifact: artifactSchema, ArtifactDetail: artifactDetailSchema, ArtifactPage: pageSchema(artifactSchema) },
  paths: {
    '/artifacts': {
      get: {
        operationId: 'listArtifacts',
        summary: 'The gallery: published artifacts, newest first',
        parameters: queryParameters(listArtifactsQuery, { kind: 'Comma-separated media kinds', role: 'Comma-separated roles', cursor: 'nextCursor of the previous page' }),
        responses: { 200: jsonAnswer('A page of artifacts', 'ArtifactPage'), 422: problemAnswer('An invalid query parameter (VALIDATION_FAILED)') },
      },
    },
    '/artifacts/{id}': {
      get: { operationId: 'getArtifact', summary: 'Artifact metadata and its lineage back to the uploaded sources', parameters: [artifactId], responses: { 200: jsonAnswer('The artifact', 'ArtifactDetail'), 404: notFound } },
    },
    '/artifacts/{id}/content': {
      get: {
        operationId: 'getArtifactContent',
        summary: 'The bytes (ETag = sha256; HTTP Range)',
        parameters: [artifactId, { name: 'Range', in: 'header', required: false, schema: { type: 'string' } }, { name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' } }],
        responses: {
          200: bytes('The file, in its own media type', ['image/*', 'video/*', 'audio/*', 'application/octet-stream']),
          206: bytes('The requested range', ['image/*', 'video/*', 'audio/*', 'application/octet-stream']),
          304: { description: 'Not modified (If-None-Match matched the ETag)' },
          404: notFound,
          412: problemAnswer('A precondition failed (PRECONDITION_FAILED)'),
          416: problemAnswer('The range lies past the end (RANGE_NOT_SATISFIABLE); Content-Range: bytes */<size>', { 'Content-Range': { schema: { type: 'string' } } }),
        },
      },
    },
    '/artifacts/{id}/thumbnail': {
      get: {
        operationId: 'getArtifactThumbnail',
        summary: 'A WebP thumbnail of an image artifact',
        parameters: [artifactId, ...queryParameters(z.object({ size: thumbnailSizeQuery }), { size: 'Pixels of the longer side' })],
        responses: { 200: bytes('The thumbnail', ['image/webp']), 404: problemAnswer('No such image artifact (NOT_FOUND)'), 422: problemAnswer('An invalid size (VALIDATION_FAILED)') },
      },
    },
  },
};
