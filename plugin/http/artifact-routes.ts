// /artifacts: the gallery listing, one artifact with its lineage, its bytes and its thumbnail.
// Unpublished outputs (of a job still running, or one that failed) are not visible.
import express, { type Response, type Router } from 'express';
import { mkdir, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import type { Knex } from 'knex';
import { listArtifactsQuery, thumbnailSizeQuery } from '../../contract/requests.js';
import { zodIssues } from '../../contract/zod-issues.js';
import type { Artifact } from '../core/types.js';
import { ValidationError } from '../core/errors.js';
import { NotFound } from '../jobs/service.js';
import { getArtifact, lineageOf, listArtifacts } from '../artifacts/store.js';
import type { LocalStorage } from '../artifacts/storage.js';
import { route } from './handle.js';
import { sendProblem } from './problem.js';
import { pageOf, parseQuery } from './query.js';
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

  async function visibleArtifact(id: string): Promise<Artifact> {
    const artifact = await getArtifact(knex, id);
    if (!artifact || !artifact.published) throw new NotFound(id, 'artifact');
    return artifact;
  }

  router.get(
    '/artifacts',
    route(async (req, res) => {
      const q = parseQuery(listArtifactsQuery, req);
      const filters = { kind: q.kind, role: q.role, jobId: q.jobId };
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
      const artifact = await visibleArtifact(String(req.params.id));
      const lineage = await lineageOf(knex, artifact);
      const stale = await staleness.ofArtifacts([artifact, ...lineage]);
      res.json({ ...artifactView(mount, artifact, stale.get(artifact.id) ?? null), lineage: artifactViews(mount, lineage, stale) });
    }),
  );

  router.get(
    '/artifacts/:id/content',
    route(async (req, res) => {
      const artifact = await visibleArtifact(String(req.params.id));
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
      const artifact = await visibleArtifact(String(req.params.id));
      if (artifact.kind !== 'image') {
        sendProblem(res, { title: 'No thumbnail', status: 404, code: 'NOT_FOUND', detail: `Artifact ${artifact.id} is ${artifact.kind}; thumbnails exist for images.` });
        return;
      }
      const size = thumbnailSizeQuery.safeParse(req.query.size);
      if (!size.success) throw new ValidationError(zodIssues(size.error, ['query', 'size']));
      const thumb = storage.thumbPath(artifact.sha256, size.data);
      if (!(await exists(thumb))) {
        await mkdir(dirname(thumb), { recursive: true });
        const temp = storage.tempPath('.webp');
        await sharp(storage.pathOf(artifact.storageKey)).rotate().resize(size.data, size.data, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toFile(temp);
        await rename(temp, thumb);
      }
      res.setHeader('ETag', `"${artifact.sha256}-${size.data}"`);
      await sendFile(res, thumb, 'image/webp');
    }),
  );

  return router;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
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
