// The job forms built from the shipped presets: Generate opens on txt2img (the presets' list
// order), so the first screen asks for no reference image, and a form submitted as it opens
// (defaults prefilled, the music preset's large default seed included) is accepted.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startHarness, waitForText, type Harness } from '../support/browser.js';
import { waitFor } from '../support/wait.js';

describe('browser: forms from the shipped presets', function () {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });
  afterEach(() => assert.deepEqual(h.pageErrors.splice(0), []));

  /** Submits the open form untouched; the id of the job it queued. */
  async function submitAsItOpens(page: Page, workflow: string): Promise<string> {
    await page.locator(`form[data-workflow="${workflow}"] button[data-action="submit-job"]`).click();
    await waitForText(page.locator('media-lab-toasts [data-role="toast"]'), new RegExp(`Job queued: ${workflow}`));
    return waitFor(() => page.locator('media-lab-app [part="latest"] media-lab-job').getAttribute('job-id'), 'the latest job panel');
  }

  it('Generate opens on txt2img: no reference image asked for, and it submits as it opens', async () => {
    const page = await h.newPage();
    await page.goto(`${h.url}/media-lab`);
    const form = page.locator('media-lab-job-form form[data-workflow="generate"]');
    await form.waitFor();
    const preset = form.locator('select[name="preset"]');
    await preset.waitFor();
    assert.equal(await preset.inputValue(), 'txt2img');
    assert.deepEqual(
      (await preset.locator('option').allTextContents()).map((t) => t.replace(/ \(v\d+\)$/, '')),
      ['txt2img', 'img2img'],
    );
    assert.equal(await form.locator('input[type="file"]').count(), 0, 'txt2img takes no reference image');
    assert.equal(await form.locator('[required]').count(), 0, 'nothing on the first screen is required');
    assert.equal(await form.locator('textarea[name="prompt"]').isVisible(), true);
    await h.screenshot(page, 'generate-opens-on-txt2img');

    const id = await submitAsItOpens(page, 'generate');
    const { body } = await h.apiJson<{ preset: { name: string }; params: Record<string, unknown> }>(`/jobs/${id}`);
    assert.equal(body.preset.name, 'txt2img');
    assert.equal(body.params.seed, 156680208700286, 'the prefilled seed is the one the job got');

    // img2img is still one choice away, and it asks for its reference image.
    await preset.selectOption('img2img');
    await form.locator('input[type="file"][name="reference"][required]').waitFor();
  });

  it('Music submits as it opens: its default seed (above 2^48) is accepted', async () => {
    const page = await h.newPage();
    await page.goto(`${h.url}/media-lab`);
    await page.locator('button[data-tab="music"]').click();
    const form = page.locator('media-lab-job-form form[data-workflow="music"]');
    await form.waitFor();
    assert.equal(await form.locator('input[name="seed"]').inputValue(), '468254064217846');
    const id = await submitAsItOpens(page, 'music');
    const { body } = await h.apiJson<{ params: Record<string, unknown> }>(`/jobs/${id}`);
    assert.equal(body.params.seed, 468254064217846);
  });
});
