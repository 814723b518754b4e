// Scenario 4: a non-admin (and a signed-out visitor) gets a clear "admin only" page, and the API
// answers 401/403 with the reason.
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { ADMIN, USER } from '../support/auth.js';
import { startHarness, waitForJobStatus, waitForText, type Harness } from '../support/browser.js';
import { jobPaused, pausingKind, resumeJob } from '../support/kinds.js';

describe('browser: access', function () {
  let h: Harness;
  before(async () => {
    h = await startHarness({ kinds: [pausingKind('voice')] });
  });
  after(async () => h?.close());
  afterEach(() => assert.deepEqual(h.pageErrors.splice(0), []));

  it('API: 401 with a reason when nobody is signed in, 403 naming the missing role for a non-admin', async () => {
    const anonymous = await h.apiJson<{ status: number; detail: string; code: string }>('/jobs', { token: null });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.code, 'UNAUTHENTICATED');
    assert.match(anonymous.body.detail, /signed-in user/);
    const user = await h.apiJson<{ status: number; detail: string; code: string }>('/kinds', { token: USER });
    assert.equal(user.status, 403);
    assert.equal(user.body.code, 'FORBIDDEN');
    assert.match(user.body.detail, /admins only.*"admin" role/);
  });

  it('a non-admin signed in through the sign-in page sees "Admin only" with the server reason, not a broken page', async () => {
    const page = await h.newPage({ token: null });
    await page.goto(`${h.url}/sign-in`);
    await page.fill('input[name="token"]', USER);
    await Promise.all([page.waitForURL(/\/media-lab$/), page.click('form button')]);
    const notice = page.locator('media-lab-app [part="access-denied"]');
    await notice.waitFor();
    assert.equal(await notice.getAttribute('data-status'), '403');
    assert.match(await notice.innerText(), /Admin only/);
    assert.match(await notice.innerText(), /admins only/i);
    assert.match(await notice.innerText(), /lacks the "admin" role/);
    assert.equal(await page.locator('media-lab-app button[data-tab]').count(), 0, 'no workspace for a non-admin');
    await h.screenshot(page, 'access-non-admin-workspace');

    // The job page says the same instead of "Loading…" forever, and stops knocking on the socket.
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto(`${h.url}/media-lab/jobs/0190a0b0-0000-7000-8000-000000000000`);
    await page.locator('media-lab-job [part="access-denied"]').waitFor();
    assert.match(await page.locator('media-lab-job [part="access-denied"]').innerText(), /Admin only/);
    const attempts = sockets.length;
    await page.waitForTimeout(1600);
    assert.equal(sockets.length, attempts, 'no WebSocket retries once the API said 403');
  });

  it('a signed-out visitor is told to sign in as an admin (401)', async () => {
    const page = await h.newPage({ token: null });
    await page.goto(`${h.url}/media-lab`);
    const notice = page.locator('media-lab-app [part="access-denied"]');
    await notice.waitFor();
    assert.equal(await notice.getAttribute('data-status'), '401');
    assert.match(await notice.innerText(), /Sign in required: Media Lab is admin only/);
  });

  it('an admin gets the workspace with its tabs', async () => {
    const page = await h.newPage({ token: ADMIN });
    await page.goto(`${h.url}/media-lab`);
    await page.locator('button[data-tab="enhance"]').waitFor();
    for (const tab of ['generate', 'enhance', 'interpolate', 'blend', 'jobs']) {
      assert.equal(await page.locator(`button[data-tab="${tab}"]`).count(), 1, `tab ${tab}`);
    }
    assert.equal(await page.locator('[part="access-denied"]').count(), 0);
  });

  it('the token attribute authenticates the elements without a session cookie (API, WebSocket and media)', async () => {
    const input = await h.upload(await sharp({ create: { width: 12, height: 12, channels: 3, background: '#c33' } }).png().toBuffer(), 'token.png');
    // The job stops before its first step and after its last, so the page sees live progress
    // however slow this machine is: no race against the run.
    const { body } = await h.apiJson<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'voice', params: { steps: 30, stepMs: 10, pauseAt: [0, 30] }, inputs: [input.id] }) });
    const page = await h.newPage({ token: null });
    const socket = page.waitForEvent('websocket', (ws) => ws.url().includes('token='));
    await page.goto(`${h.url}/`);
    await page.evaluate(
      ([token, id]) => {
        const job = document.createElement('media-lab-job');
        job.setAttribute('token', token);
        job.setAttribute('job-id', id);
        document.querySelector('main')?.append(job);
      },
      [ADMIN, body.id],
    );
    const job = page.locator('media-lab-job');
    // Progress reaches the element over its own (token) WebSocket once that socket is listening.
    const live = await socket;
    await live.waitForEvent('framereceived', (frame) => String(frame.payload).includes('"hello"'));
    await jobPaused(body.id);
    const progress = live.waitForEvent('framereceived', (frame) => String(frame.payload).includes('job.progress') && String(frame.payload).includes(body.id));
    resumeJob(body.id);
    await progress;
    await jobPaused(body.id); // after the last step: its stage stays until resumed
    await waitForText(job.locator('[part="stage"]'), /step \d+\/30/);
    resumeJob(body.id);
    await waitForJobStatus(h, body.id, ['SUCCEEDED']);
    await waitForText(job.locator('media-lab-status-badge [part="badge"]'), /SUCCEEDED/);
    const preview = job.locator('img[data-role="output-preview"]');
    await preview.waitFor({ state: 'visible' });
    assert.match((await preview.getAttribute('src')) ?? '', /\?token=/);
    assert.ok(await preview.evaluate((img) => (img as HTMLImageElement).naturalWidth > 0), 'the image loaded with ?token=');
  });
});
