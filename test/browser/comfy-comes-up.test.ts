// A ComfyUI backend that is down when the page opens and comes up later: the Generate tab says
// the backend does not answer, and once it does, the notice goes away and the form is usable
// without a reload (the workspace reads the kinds again while one is unavailable).
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import { startHarness, waitForText, type Harness } from '../support/browser.js';

/** A port nothing listens on (yet). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

describe('browser: a ComfyUI backend that comes up after the page opened', function () {
  this.timeout(120_000);
  let h: Harness;
  let comfy: FakeComfy | undefined;
  let port: number;
  before(async () => {
    port = await freePort();
    h = await startHarness({ demo: { comfyUrls: [`http://127.0.0.1:${port}`], comfyHealthIntervalMs: 200 } });
  });
  after(async () => {
    await h?.close();
    await comfy?.close();
  });
  afterEach(() => assert.deepEqual(h.pageErrors.splice(0), []));

  it('shows the backend down, then clears the notice by itself once it answers', async () => {
    const page = await h.newPage();
    await page.goto(`${h.url}/media-lab#generate`);
    const notice = page.locator('media-lab-job-form [data-role="kind-unavailable"]');
    await waitForText(notice, /Generate is unavailable on this server\..*comfy-1/);
    await h.screenshot(page, 'comfy-down');

    comfy = await startFakeComfy({ port });
    await notice.waitFor({ state: 'detached', timeout: 60_000 });
    await page.locator('media-lab-job-form[workflow="generate"] form').waitFor();
    assert.doesNotMatch(await page.locator('media-lab-app button[data-tab="generate"]').innerText(), /unavailable/);
    await h.screenshot(page, 'comfy-came-up');
  });
});
