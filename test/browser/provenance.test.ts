// The artifact page's provenance and the stale badges: a ComfyUI image (fake ComfyUI) whose
// preset gets a newer version shows "stale" in the gallery and on its job page; its details list
// the steps (preset version, seed, models, inputs, timings) and Refresh makes it again.
import assert from 'node:assert/strict';
import { withFakeComfyHarness, waitForJobStatus, waitForText, type Harness } from '../support/browser.js';
import { waitFor } from '../support/wait.js';

interface Output {
  id: string;
  role: string;
}

describe('browser: provenance and stale badges', function () {
  this.timeout(120_000);
  let h: Harness;
  withFakeComfyHarness((started) => ({ h } = started));

  it('shows a stale image with why, its provenance steps, and refreshes it from the artifact page', async () => {
    const submitted = await h.apiJson<{ id: string }>('/jobs', {
      method: 'POST',
      body: JSON.stringify({ workflow: 'generate', preset: { name: 'txt2img' }, params: { prompt: 'a lighthouse keeper', seed: 77, steps: 2, width: 256, height: 256 } }),
    });
    assert.equal(submitted.status, 202);
    const job = await waitForJobStatus(h, submitted.body.id, ['SUCCEEDED', 'FAILED']);
    assert.equal(job.status, 'SUCCEEDED');
    const image = (job.outputs as Output[]).find((o) => o.role === 'output')!;
    const v1 = (job.preset as { version: number }).version;

    const registry = h.host.lab.pipelines.presets.registry;
    const current = (await registry.get('txt2img', v1))!;
    const parameters = current.definition.manifest.parameters.map((p) => (p.name === 'steps' ? { ...p, default: 30 } : p));
    const { preset: newer } = await registry.publish({ ...current.definition.manifest, parameters, workflow: current.definition.workflow }, 'api');

    const page = await h.newPage();
    await page.goto(`${h.url}/media-lab#gallery`);
    const item = page.locator(`media-lab-gallery [part~="item"][data-artifact-id="${image.id}"]`);
    await item.waitFor();
    assert.equal(await item.getAttribute('data-stale'), 'true');
    await waitForText(item.locator('[part="stale-badge"]'), /stale/);
    await item.click();

    const detail = page.locator('media-lab-gallery [part="detail"]');
    await waitForText(detail.locator('media-lab-provenance [part="stale-notice"]'), new RegExp(`preset "txt2img" v${v1} was superseded by v${newer.version}`));
    const step = detail.locator(`media-lab-provenance [part~="step"][data-job-id="${job.id as string}"]`);
    await step.waitFor();
    assert.equal(await step.getAttribute('data-stale'), 'true');
    await waitForText(step.locator('[data-role="preset"]'), new RegExp(`txt2img v${v1}`));
    await waitForText(step.locator('[data-role="seed"]'), /^77$/);
    await waitForText(step.locator('[data-role="models"]'), /checkpoint: sd_xl_base_1\.0\.safetensors/);
    await waitForText(step.locator('[data-role="timings"]'), /queued .* ran /);
    await h.screenshot(page, 'provenance-stale');

    await detail.locator('media-lab-provenance button[data-action="refresh-artifact"]').click();
    const toast = await waitForText(page.locator('media-lab-toasts [data-role="toast"]'), /Refresh queued as job/);
    assert.ok(toast);
    const refreshed = await waitFor(async () => {
      const { body } = await h.apiJson<{ items: Array<{ id: string; preset: { version: number } | null }> }>('/jobs?workflow=generate&limit=5');
      return body.items.find((j) => j.id !== job.id && j.preset?.version === newer.version) ?? null;
    }, 'the refresh job');
    const done = await waitForJobStatus(h, refreshed.id, ['SUCCEEDED', 'FAILED']);
    assert.equal(done.status, 'SUCCEEDED');
    assert.equal((done.params as { seed: number }).seed, 77, 'same seed');

    // only-stale: the gallery lists the stale image, not its fresh remake.
    const remade = (done.outputs as Output[]).find((o) => o.role === 'output')!;
    await page.reload(); // the same URL: goto would not load it again
    const gallery = page.locator('media-lab-gallery');
    await gallery.locator(`[part~="item"][data-artifact-id="${remade.id}"]`).waitFor();
    await gallery.evaluate((el) => el.setAttribute('only-stale', ''));
    await waitFor(async () => {
      const ids = await gallery.locator('[part~="item"]').evaluateAll((items) => items.map((i) => i.getAttribute('data-artifact-id')));
      return ids.length === 1 && ids[0] === image.id ? ids : null;
    }, 'the gallery to list only the stale image');

    await page.goto(`${h.url}/media-lab/jobs/${job.id as string}`);
    const figure = page.locator(`media-lab-job figure[data-artifact-id="${image.id}"]`);
    await figure.waitFor();
    assert.equal(await figure.getAttribute('data-stale'), 'true');
    await waitForText(figure.locator('[part="stale-reason"]'), /superseded/);
    await h.screenshot(page, 'job-stale-output');
  });
});
