// /jobs: submit (202), list, detail, cancel, retry, audit trail.
import express, { type Router } from 'express';
import type { Knex } from 'knex';
import type { SubmitJobResponse } from '../../contract/job.js';
import { listJobsQuery } from '../../contract/requests.js';
import { ValidationError } from '../core/errors.js';
import { NotFound, type JobService } from '../jobs/service.js';
import { listJobs } from '../jobs/store.js';
import { listEvents } from '../jobs/events-store.js';
import { userOf } from './auth.js';
import { route } from './handle.js';
import { pageOf, parseQuery } from './query.js';
import { jobDetailView, jobView } from './views.js';

export interface JobRouteDeps {
  knex: Knex;
  jobs: JobService;
  mount: string;
}

export function createJobRoutes({ knex, jobs, mount }: JobRouteDeps): Router {
  const router = express.Router();

  router.post(
    '/jobs',
    route(async (req, res) => {
      const key = req.get('Idempotency-Key')?.trim() || null;
      if (key && key.length > 200) throw new ValidationError([{ field: 'Idempotency-Key', message: 'must be at most 200 characters' }], { status: 400 });
      const { job, replayed } = await jobs.submit(userOf(req), req.body ?? {}, { idempotencyKey: key });
      if (replayed) res.setHeader('Idempotent-Replayed', 'true');
      const body: SubmitJobResponse = { id: job.id, status: job.status, job: jobView(job) };
      res.status(202).location(`${mount}/jobs/${job.id}`).json(body);
    }),
  );

  router.get(
    '/jobs',
    route(async (req, res) => {
      const q = parseQuery(listJobsQuery, req);
      const rows = await listJobs(knex, { status: q.status, workflow: q.workflow, source: q.source, submittedBy: q.submittedBy, parentJobId: q.parentJobId }, { before: q.cursor, limit: q.limit + 1 });
      const { page, nextCursor } = pageOf(rows, q.limit);
      res.json({ items: page.map(jobView), nextCursor });
    }),
  );

  router.get(
    '/jobs/:id',
    route(async (req, res) => {
      const detail = await jobs.detail(String(req.params.id));
      if (!detail) throw new NotFound(String(req.params.id));
      res.json(jobDetailView(mount, detail));
    }),
  );

  router.post(
    '/jobs/:id/cancel',
    route(async (req, res) => {
      const job = await jobs.cancel(userOf(req), String(req.params.id));
      res.status(job.status === 'CANCELLED' ? 200 : 202).json(jobView(job));
    }),
  );

  router.post(
    '/jobs/:id/retry',
    route(async (req, res) => {
      res.status(202).json(jobView(await jobs.retry(userOf(req), String(req.params.id))));
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

  return router;
}
