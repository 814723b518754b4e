// Scenario 6: at 375 px wide (and at a desktop width) the workspace, every tab of it, and the job
// page fit the viewport: no horizontal overflow.
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { horizontalOverflow, startHarness, waitForJobStatus, waitForText, type Harness } from '../support/browser.js';
import { steppingKind, toneKind } from '../support/kinds.js';

describe('browser: responsive layout', function () {
  let h: Harness;
  let succeeded: string;
  let failed: string;
  const tabs = ['generate', 'enhance', 'interpolate', 'blend', 'music', 'voice', 'jobs', 'gallery'];

  before(async () => {
    h = await startHarness({ kinds: [steppingKind('voice'), toneKind('music')] });
    const wide = await sharp({ create: { width: 1600, height: 400, channels: 3, background: '#4060c0' } }).png().toBuffer();
    const input = await h.upload(wide, 'wide.png');
    const submit = async (workflow: string, params: Record<string, unknown>, inputs: string[] = []) =>
      (await h.apiJson<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow, params, inputs }) })).body.id;
    succeeded = await submit('voice', { steps: 2, outputs: 2 }, [input.id]);
    failed = await submit('voice', { steps: 1, failWith: 'permanent' });
    const audio = await submit('music', { seconds: 1 });
    await Promise.all([waitForJobStatus(h, succeeded, ['SUCCEEDED']), waitForJobStatus(h, failed, ['FAILED']), waitForJobStatus(h, audio, ['SUCCEEDED'])]);
  });
  after(async () => h?.close());
  afterEach(() => assert.deepEqual(h.pageErrors.splice(0), []));

  for (const width of [375, 1280]) {
    it(`the workspace fits ${width} px on every tab`, async () => {
      const page = await h.newPage({ width, height: 800 });
      await page.goto(`${h.url}/media-lab`);
      for (const tab of tabs) {
        await page.locator(`button[data-tab="${tab}"]`).click();
        await page.locator(`[data-panel="${tab}"]`).waitFor();
        if (tab === 'jobs') await page.locator(`media-lab-jobs li[data-job-id="${failed}"]`).waitFor();
        if (tab === 'gallery') await page.locator('media-lab-gallery [part~="item"]').first().waitFor();
        if (tab !== 'jobs' && tab !== 'gallery') await page.locator('button[data-action="submit-job"]').waitFor();
        assert.equal(await horizontalOverflow(page), 0, `${tab} tab overflows at ${width} px`);
        if (width === 375) await h.screenshot(page, `responsive-375-${tab}`);
      }
    });

    it(`the job page fits ${width} px (outputs, inputs, audit trail; a failure's message)`, async () => {
      const page = await h.newPage({ width, height: 800 });
      await page.goto(`${h.url}/media-lab/jobs/${succeeded}`);
      await page.locator('media-lab-job img[data-role="output-preview"]').first().waitFor({ state: 'visible' });
      await page.locator('media-lab-job img[data-role="input-preview"]').waitFor({ state: 'visible' });
      await waitForText(page.locator('media-lab-job [data-role="audit"]'), /succeeded/);
      assert.equal(await horizontalOverflow(page), 0);
      if (width === 375) await h.screenshot(page, 'responsive-375-job');
      await page.goto(`${h.url}/media-lab/jobs/${failed}`);
      await waitForText(page.locator('media-lab-job [part="error"]'), /What to do/);
      assert.equal(await horizontalOverflow(page), 0);
      if (width === 375) await h.screenshot(page, 'responsive-375-job-failed');
    });
  }
});
