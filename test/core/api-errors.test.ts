// The edges of the HTTP API (issue 15): every error is problem+json with a stable code from
// ERROR_CODES and the advice of the contract's table, and errors that carry an HTTP status
// (send's 416, body-parser's 400/413/415) keep it.
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { ADVICE } from '../../contract/advice.js';
import { ERROR_CODES } from '../../contract/errors.js';
import { problemSchema } from '../../contract/problem.js';
import { steppingKind } from '../support/kinds.js';
import { captureLog, startTestLab, waitForStatus, type TestLab } from '../support/lab.js';

interface ProblemBody {
  title: string;
  status: number;
  code: string;
  detail?: string;
  advice?: string;
  errors?: Array<{ field: string; message: string }>;
}

/** Runs `action` with console.error recorded (the unhandled-error path logs there). */
async function consoleErrorsDuring(action: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => lines.push(args.map((a) => (a instanceof Error ? a.stack : String(a))).join(' '));
  try {
    await action();
  } finally {
    console.error = original;
  }
  return lines;
}

async function uploadPng(t: TestLab): Promise<{ id: string; bytes: number }> {
  const png = await sharp({ create: { width: 12, height: 12, channels: 3, background: { r: 10, g: 120, b: 30 } } }).png().toBuffer();
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(png)]), 'x.png');
  const { body } = await t.json<{ id: string; bytes: number }>('/uploads', { method: 'POST', body: form });
  return body;
}

describe('HTTP API errors', function () {
  let t: TestLab;
  const log = captureLog();
  before(async () => {
    t = await startTestLab({ kinds: [steppingKind('voice')], logger: log.logger, quotas: { maxActiveJobsPerUser: 50, maxSubmissionsPerDay: 1000 } });
  });
  after(async () => t.close());

  it('answers an unsatisfiable Range with 416 problem+json, Content-Range bytes */size, and logs nothing', async () => {
    const artifact = await uploadPng(t);
    let res!: Response;
    let body!: ProblemBody;
    const logged = await consoleErrorsDuring(async () => {
      res = await t.fetch(`/artifacts/${artifact.id}/content`, { headers: { Range: 'bytes=99999999-' } });
      body = (await res.json()) as ProblemBody;
    });
    assert.equal(res.status, 416);
    assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.equal(res.headers.get('content-range'), `bytes */${artifact.bytes}`);
    assert.equal(body.code, 'RANGE_NOT_SATISFIABLE');
    assert.equal(body.status, 416);
    assert.equal(res.headers.get('cache-control'), null, 'an error answer is not cached as the immutable content');
    assert.deepEqual(logged, []);
    assert.deepEqual(log.error, []);
  });

  it('answers every bad request with problem+json and a code from ERROR_CODES', async () => {
    const artifact = await uploadPng(t);
    const done = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'voice' }) });
    await waitForStatus(t, done.body.id, ['SUCCEEDED']);
    const cases: Array<{ what: string; path: string; init?: RequestInit; status: number; code: string }> = [
      { what: 'unknown route', path: '/nothing-here', status: 404, code: 'NOT_FOUND' },
      { what: 'unknown job', path: '/jobs/nope', status: 404, code: 'NOT_FOUND' },
      { what: 'events of an unknown job', path: '/jobs/nope/events', status: 404, code: 'NOT_FOUND' },
      { what: 'unknown artifact', path: '/artifacts/nope/content', status: 404, code: 'NOT_FOUND' },
      { what: 'cancel of a finished job', path: `/jobs/${done.body.id}/cancel`, init: { method: 'POST' }, status: 409, code: 'ILLEGAL_TRANSITION' },
      { what: 'retry of a finished job', path: `/jobs/${done.body.id}/retry`, init: { method: 'POST' }, status: 409, code: 'ILLEGAL_TRANSITION' },
      { what: 'malformed JSON', path: '/jobs', init: { method: 'POST', body: '{"workflow":' }, status: 400, code: 'MALFORMED_JSON' },
      { what: 'oversized body', path: '/jobs', init: { method: 'POST', body: JSON.stringify({ workflow: 'voice', pad: 'x'.repeat(2.5 * 1024 * 1024) }) }, status: 413, code: 'REQUEST_TOO_LARGE' },
      {
        what: 'unsupported charset',
        path: '/jobs',
        init: { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json; charset=klingon' } },
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      },
      { what: 'bad query', path: '/jobs?limit=0', status: 422, code: 'VALIDATION_FAILED' },
      { what: 'bad body', path: '/jobs', init: { method: 'POST', body: JSON.stringify({ workflow: 'paint' }) }, status: 422, code: 'VALIDATION_FAILED' },
      { what: 'bad range', path: `/artifacts/${artifact.id}/content`, init: { headers: { Range: 'bytes=99999999-' } }, status: 416, code: 'RANGE_NOT_SATISFIABLE' },
      { what: 'multipart without a boundary', path: '/uploads', init: { method: 'POST', body: 'x', headers: { 'Content-Type': 'multipart/form-data' } }, status: 400, code: 'VALIDATION_FAILED' },
    ];
    const logged = await consoleErrorsDuring(async () => {
      for (const c of cases) {
        const res = await t.fetch(c.path, c.init);
        const text = await res.text();
        assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/, `${c.what}: ${text.slice(0, 200)}`);
        const body = JSON.parse(text) as ProblemBody;
        assert.equal(res.status, c.status, `${c.what}: ${text}`);
        assert.equal(body.status, c.status, c.what);
        assert.ok((ERROR_CODES as readonly string[]).includes(body.code), `${c.what}: code ${body.code} is in ERROR_CODES`);
        assert.equal(body.code, c.code, c.what);
        assert.equal(body.advice, ADVICE[body.code as keyof typeof ADVICE], `${c.what}: the advice comes from the contract's table`);
        assert.ok(problemSchema.safeParse(body).success, `${c.what}: parses as the contract's Problem`);
      }
    });
    assert.deepEqual(logged, [], 'no stack traces for the caller\'s mistakes');
  });
});
