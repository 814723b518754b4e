// The one Express router a host mounts (default at /api/media-lab).
import express, { type Request, type Response, type Router } from 'express';
import { stat, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import type { Knex } from 'knex';
import type { Artifact, JobStatus, MediaKind, WorkflowKind } from '../core/types.js';
import { JOB_STATUSES, WORKFLOW_KINDS } from '../core/types.js';
import { ValidationError } from '../core/errors.js';
import { adminGate, userOf } from './auth.js';
import { problemFromError, route } from './handle.js';
import { sendProblem } from './problem.js';
import { zodIssues } from './zod-issues.js';
import { handleUpload } from './uploads.js';
import { NotFound, type JobService } from '../jobs/service.js';
import { listJobs } from '../jobs/store.js';
import { listEvents } from '../jobs/events-store.js';
import { getArtifact, lineageOf, listArtifacts } from '../artifacts/store.js';
import type { LocalStorage } from '../artifacts/storage.js';
import type { MediaLabOptions } from '../options.js';
import type { KindRegistry } from '../kinds/registry.js';
import { buildOpenApi } from './openapi.js';
import { healthReport, type HealthDeps } from './health.js';
import { metricsRouter } from './metrics-route.js';
import type { LabMetrics } from '../metrics/lab-metrics.js';

export interface RouterDeps {
  knex: Knex;
  storage: LocalStorage;
  options: MediaLabOptions;
  jobs: JobService;
  kinds: KindRegistry;
  health: HealthDeps;
  /** Extra routers mounted behind the admin gate (presets, ...). */
  extraRoutes?: Router[];
  /** The web-component bundle, served at /ui/media-lab.js without the admin gate. */
  uiDir?: string;
  /** GET /metrics, before the admin gate: an admin or the `metricsToken` bearer may read it. */
  metrics?: LabMetrics;
}

const csv = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)));

export const listJobsQuery = z.object({
  status: csv(JOB_STATUSES).optional(),
  workflow: csv(WORKFLOW_KINDS).optional(),
  source: z.enum(['lab', 'prompt-queue']).optional(),
  submittedBy: z.string().max(200).optional(),
  cursor: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const listArtifactsQuery = z.object({
  kind: csv(['image', 'video', 'audio'] as const).optional(),
  role: csv(['input', 'output', 'intermediate', 'preview'] as const).optional(),
  jobId: z.string().max(64).optional(),
  cursor: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

function parseQuery<T extends z.ZodType>(schema: T, req: Request): z.output<T> {
  const result = schema.safeParse(req.query);
  if (!result.success) throw new ValidationError(zodIssues(result.error, ['query']));
  return result.data;
}

/**
 * An artifact as the API sends it: the row plus where to fetch its bytes and thumbnail. The
 * storage key (where the file lies under the artifact folder) stays on the server.
 */
export function artifactView(mount: string, a: Artifact) {
  const { storageKey: _serverOnly, ...row } = a;
  return {
    ...row,
    contentUrl: `${mount}/artifacts/${a.id}/content`,
    thumbnailUrl: a.kind === 'image' ? `${mount}/artifacts/${a.id}/thumbnail` : null,
  };
}

export function createRouter(deps: RouterDeps): Router {
  const { knex, storage, options, jobs } = deps;
  const mount = options.mountPath;
  const router = express.Router();
  if (deps.uiDir) {
    router.use('/ui', express.static(deps.uiDir, { fallthrough: false, maxAge: '5m' }));
  }
  if (deps.metrics) router.use(metricsRouter({ metrics: deps.metrics, token: options.metricsToken, authenticate: options.authenticate, adminRole: options.adminRole }));
  router.use(adminGate(options.authenticate, options.adminRole));
  router.use(express.json({ limit: '2mb' }));
  // Body-parser errors (malformed JSON, too large) become problem+json too.
  router.use((error: unknown, _req: Request, res: Response, next: (e?: unknown) => void) => (error ? problemFromError(res, error) : next()));

  router.post(
    '/uploads',
    route(async (req, res) => {
      const { artifact, created } = await handleUpload(req, { knex, storage, limits: options.uploads, user: userOf(req) });
      res.status(created ? 201 : 200).json({ ...artifactView(mount, artifact), deduplicated: !created });
    }),
  );

  router.post(
    '/jobs',
    route(async (req, res) => {
      const key = req.get('Idempotency-Key')?.trim() || null;
      if (key && key.length > 200) throw new ValidationError([{ field: 'Idempotency-Key', message: 'must be at most 200 characters' }], { status: 400 });
      const { job, replayed } = await jobs.submit(userOf(req), req.body ?? {}, { idempotencyKey: key });
      if (replayed) res.setHeader('Idempotent-Replayed', 'true');
      res.status(202).location(`${mount}/jobs/${job.id}`).json({ id: job.id, status: job.status, job });
    }),
  );

  router.get(
    '/jobs',
    route(async (req, res) => {
      const q = parseQuery(listJobsQuery, req);
      const items = await listJobs(
        knex,
        { status: q.status as JobStatus[] | undefined, workflow: q.workflow as WorkflowKind[] | undefined, source: q.source, submittedBy: q.submittedBy },
        { before: q.cursor, limit: q.limit + 1 },
      );
      const more = items.length > q.limit;
      const page = items.slice(0, q.limit);
      res.json({ items: page, nextCursor: more ? page[page.length - 1].id : null });
    }),
  );

  router.get(
    '/jobs/:id',
    route(async (req, res) => {
      const detail = await jobs.detail(String(req.params.id));
      if (!detail) throw new NotFound(String(req.params.id));
      res.json({ ...detail, inputs: detail.inputs.map((a) => artifactView(mount, a)), outputs: detail.outputs.map((a) => artifactView(mount, a)) });
    }),
  );

  router.post(
    '/jobs/:id/cancel',
    route(async (req, res) => {
      const job = await jobs.cancel(userOf(req), String(req.params.id));
      res.status(job.status === 'CANCELLED' ? 200 : 202).json(job);
    }),
  );

  router.post(
    '/jobs/:id/retry',
    route(async (req, res) => {
      res.status(202).json(await jobs.retry(userOf(req), String(req.params.id)));
    }),
  );

  router.get(
    '/jobs/:id/events',
    route(async (req, res) => {
      const job = await jobs.get(String(req.params.id));
      if (!job) throw new NotFound(String(req.params.id));
      res.json({ items: await listEvents(knex, job.id) });
    }),
  );

  router.get(
    '/artifacts',
    route(async (req, res) => {
      const q = parseQuery(listArtifactsQuery, req);
      const items = await listArtifacts(
        knex,
        { kind: q.kind as MediaKind[] | undefined, role: q.role as Artifact['role'][] | undefined, jobId: q.jobId },
        { before: q.cursor, limit: q.limit + 1 },
      );
      const more = items.length > q.limit;
      const page = items.slice(0, q.limit);
      res.json({ items: page.map((a) => artifactView(mount, a)), nextCursor: more ? page[page.length - 1].id : null });
    }),
  );

  async function visibleArtifact(id: string): Promise<Artifact> {
    const artifact = await getArtifact(knex, id);
    // Unpublished outputs belong to a job still running (or one that failed): not visible.
    if (!artifact || !artifact.published) throw new NotFound(id, 'artifact');
    return artifact;
  }

  router.get(
    '/artifacts/:id',
    route(async (req, res) => {
      const artifact = await visibleArtifact(String(req.params.id));
      const lineage = await lineageOf(knex, artifact);
      res.json({ ...artifactView(mount, artifact), lineage: lineage.map((a) => artifactView(mount, a)) });
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
        sendProblem(res, { title: 'No thumbnail', status: 404, detail: `Artifact ${artifact.id} is ${artifact.kind}; thumbnails exist for images.` });
        return;
      }
      const size = z.coerce.number().int().min(16).max(1024).default(256).safeParse(req.query.size);
      if (!size.success) throw new ValidationError(zodIssues(size.error, ['query', 'size']));
      const thumb = storage.thumbPath(artifact.sha256, size.data);
      if (!(await exists(thumb))) {
        await mkdir(dirname(thumb), { recursive: true });
        const temp = storage.tempPath('.webp');
        await sharp(storage.pathOf(artifact.storageKey)).rotate().resize(size.data, size.data, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toFile(temp);
        const { rename } = await import('node:fs/promises');
        await rename(temp, thumb);
      }
      res.setHeader('ETag', `"${artifact.sha256}-${size.data}"`);
      await sendFile(res, thumb, 'image/webp');
    }),
  );

  router.get(
    '/health',
    route(async (_req, res) => {
      const report = await healthReport(deps.health);
      res.status(report.ok ? 200 : 503).json(report);
    }),
  );

  router.get(
    '/kinds',
    route(async (_req, res) => {
      res.json({
        items: deps.kinds.all().map((k) => ({
          kind: k.kind,
          description: k.description,
          available: Boolean(k.executor),
          inputs: k.inputs,
          params: z.toJSONSchema(k.paramsSchema, { io: 'input', unrepresentable: 'any' }),
          // Kinds with presets of their own (enhance) say which are available here and why not.
          ...('describePresets' in k && typeof k.describePresets === 'function' ? { presets: (k.describePresets as () => unknown)() } : {}),
        })),
      });
    }),
  );

  router.get(
    '/openapi.json',
    route(async (_req, res) => {
      res.json(buildOpenApi(deps.kinds, mount));
    }),
  );

  for (const extra of deps.extraRoutes ?? []) router.use(extra);

  router.use((req, res) => sendProblem(res, { title: 'Not found', status: 404, detail: `No Media Lab route ${req.method} ${req.path}.` }));
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
