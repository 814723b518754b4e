// /jobs: submit (202), list, detail, cancel, retry, audit trail.
import express, { type Router } from 'express';
import type { Knex } from 'knex';
import { auditEventSchema, jobDetailSchema, jobSchema, submitJobResponseSchema, type SubmitJobResponse } from '../../contract/job.js';
import { itemsSchema, pageSchema } from '../../contract/pages.js';
import { listJobsQuery, submitJobSchema } from '../../contract/requests.js';
import { ValidationError } from '../core/errors.js';
import { NotFound, type JobService } from '../jobs/service.js';
import { listJobs } from '../jobs/store.js';
import { listEvents } from '../jobs/events-store.js';
import { userOf } from './auth.js';
import { route } from './handle.js';
import { pageOf, parseQuery } from './query.js';
import { jobDetailView, jobView } from './views.js';
import { jsonAnswer, jsonBody, pathParam, problemAnswer, queryParameters, type ApiDoc } from './openapi.js';
import { submitJobSchemas } from './submit-doc.js';
import type { Staleness } from '../lineage/staleness.js';

export interface JobRouteDeps {
  knex: Knex;
  jobs: JobService;
  mount: string;
  /** Whether the job's outputs (and inputs) are stale (computed when read). */
  staleness: Staleness;
}

export function createJobRoutes({ knex, jobs, mount, staleness }: JobRouteDeps): Router {
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
      res.json(jobDetailView(mount, detail, await staleness.ofArtifacts([...detail.inputs, ...detail.outputs])));
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

const jobId = pathParam('id', 'The job id');
const notFound = problemAnswer('No such job (NOT_FOUND)');
const illegal = problemAnswer('Not allowed in the job\'s status (ILLEGAL_TRANSITION, with currentStatus)');

/** The OpenAPI part of these routes (collected in api-docs.ts). */
export const jobRoutesDoc: ApiDoc = {
  tag: { name: 'jobs', description: 'Submit, list, watch, cancel and retry jobs; each job\'s audit trail.' },
  responses: { Job: jobSchema, JobDetail: jobDetailSchema, SubmitJobResponse: submitJobResponseSchema, JobPage: pageSchema(jobSchema), AuditEvents: itemsSchema(auditEventSchema) },
  requests: { SubmitJobBase: submitJobSchema },
  computedSchemas: submitJobSchemas,
  paths: {
    '/jobs': {
      post: {
        operationId: 'submitJob',
        summary: 'Submit a job',
        description:
          'Queues a job (202, `Location` names it). `params` follow the kind\'s schema (`<kind>Params`) or, for ComfyUI kinds, the chosen preset\'s (`Preset.<name>.Params`). ' +
          '`Idempotency-Key`: the same key and body answer the same job (`Idempotent-Replayed: true`); the same key with another body is 422 IDEMPOTENCY_KEY_REUSED.',
        parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 200 } }],
        requestBody: jsonBody('SubmitJob'),
        responses: {
          202: jsonAnswer('Queued (or the job this Idempotency-Key made before)', 'SubmitJobResponse', {
            Location: { schema: { type: 'string' } },
            'Idempotent-Replayed': { schema: { type: 'string', const: 'true' } },
          }),
          400: problemAnswer('Malformed JSON (MALFORMED_JSON) or an Idempotency-Key over 200 characters (VALIDATION_FAILED)'),
          422: problemAnswer('Invalid fields, each named in errors[] (VALIDATION_FAILED, INPUT_MISSING, PRESET_NOT_FOUND, IDEMPOTENCY_KEY_REUSED, ...)'),
          429: problemAnswer('Quota exceeded (QUOTA_EXCEEDED, retryAfter)', { 'Retry-After': { schema: { type: 'integer' } } }),
        },
      },
      get: {
        operationId: 'listJobs',
        summary: 'List jobs, newest first',
        parameters: queryParameters(listJobsQuery, { status: 'Comma-separated statuses', workflow: 'Comma-separated kinds', cursor: 'nextCursor of the previous page' }),
        responses: { 200: jsonAnswer('A page of jobs', 'JobPage'), 422: problemAnswer('An invalid query parameter (VALIDATION_FAILED)') },
      },
    },
    '/jobs/{id}': { get: { operationId: 'getJob', summary: 'A job with its inputs and published outputs', parameters: [jobId], responses: { 200: jsonAnswer('The job', 'JobDetail'), 404: notFound } } },
    '/jobs/{id}/cancel': {
      post: {
        operationId: 'cancelJob',
        summary: 'Cancel a queued or running job',
        parameters: [jobId],
        responses: { 200: jsonAnswer('Cancelled', 'Job'), 202: jsonAnswer('Cancel requested: the executor stops at its next checkpoint', 'Job'), 404: notFound, 409: illegal },
      },
    },
    '/jobs/{id}/retry': {
      post: { operationId: 'retryJob', summary: 'Queue a failed or cancelled job again', parameters: [jobId], responses: { 202: jsonAnswer('Queued again', 'Job'), 404: notFound, 409: illegal } },
    },
    '/jobs/{id}/events': { get: { operationId: 'listJobEvents', summary: 'The audit trail of a job, oldest first', parameters: [jobId], responses: { 200: jsonAnswer('Its events', 'AuditEvents'), 404: notFound } } },
  },
};
