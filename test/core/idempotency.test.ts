// Idempotency-Key (the IETF draft's rule): the same key with the same body returns the same
// job; the same key with a different body is 422 IDEMPOTENCY_KEY_REUSED naming the key.
import assert from 'node:assert/strict';
import { canonicalJson, requestFingerprint } from '../../plugin/jobs/fingerprint.js';
import { steppingKind } from '../support/kinds.js';
import { startTestLab, type TestLab } from '../support/lab.js';

interface ProblemBody {
  code: string;
  errors?: Array<{ field: string; message: string }>;
}

describe('request fingerprints', () => {
  it('canonical JSON sorts keys at every depth and keeps array order', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [2, 1], c: null } }), '{"a":{"c":null,"d":[2,1]},"b":1}');
    assert.equal(requestFingerprint({ x: 1, y: { z: 'q' } }), requestFingerprint({ y: { z: 'q' }, x: 1 }));
    assert.notEqual(requestFingerprint({ a: [1, 2] }), requestFingerprint({ a: [2, 1] }));
  });
});

describe('Idempotency-Key', function () {
  let t: TestLab;
  before(async () => {
    t = await startTestLab({ kinds: [steppingKind('voice')], quotas: { maxActiveJobsPerUser: 50, maxSubmissionsPerDay: 1000 } });
  });
  after(async () => t.close());

  const submit = (key: string, body: unknown) => t.json<ProblemBody & { id: string }>('/jobs', { method: 'POST', body: JSON.stringify(body), headers: { 'Idempotency-Key': key } });

  it('the same key with the same body (in any key order) returns the same job', async () => {
    const a = await submit('same-1', { workflow: 'voice', params: { steps: 2, outputs: 1 } });
    const b = await submit('same-1', { params: { outputs: 1, steps: 2 }, workflow: 'voice' });
    assert.equal(a.status, 202);
    assert.equal(b.status, 202);
    assert.equal(b.body.id, a.body.id);
    assert.equal(b.res.headers.get('idempotent-replayed'), 'true');
  });

  it('the same key with a different body is 422 IDEMPOTENCY_KEY_REUSED naming the key', async () => {
    const a = await submit('reused-1', { workflow: 'voice', params: { steps: 2 } });
    assert.equal(a.status, 202);
    const b = await submit('reused-1', { workflow: 'voice', params: { steps: 3 } });
    assert.equal(b.status, 422);
    assert.match(b.res.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.equal(b.body.code, 'IDEMPOTENCY_KEY_REUSED');
    assert.equal(b.body.errors?.[0].field, 'Idempotency-Key');
    assert.match(b.body.errors?.[0].message ?? '', /reused-1/);
    assert.equal(b.res.headers.get('idempotent-replayed'), null);
    const c = await submit('reused-1', { workflow: 'voice', params: { steps: 2 } });
    assert.equal(c.body.id, a.body.id, 'the original body still replays');
  });

  it('a job from before fingerprints were kept replays as it did', async () => {
    const a = await submit('legacy-1', { workflow: 'voice', params: { steps: 2 } });
    await t.knex('media_jobs').where({ id: a.body.id }).update({ idempotency_fingerprint: null });
    const b = await submit('legacy-1', { workflow: 'voice', params: { steps: 4 } });
    assert.equal(b.status, 202);
    assert.equal(b.body.id, a.body.id);
  });
});
