// Happy paths of the ComfyUI kinds through the workspace, against the protocol-faithful fake
// ComfyUI (its image nodes run for real with sharp): blend two uploaded images, and generate with
// the img2img preset from an uploaded reference. Each ends SUCCEEDED with its output on screen.
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { FakeComfy } from '../fake-comfy/index.js';
import { withFakeComfyHarness, waitForJobStatus, waitForText, type Harness } from '../support/browser.js';
import { waitFor } from '../support/wait.js';
import { ADMIN } from '../support/auth.js';
import type { Page } from 'playwright-core';

function solid(color: string, width = 48, height = 32): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } }).png().toBuffer();
}

interface JobBody {
  status: string;
  errorCode: string | null;
  errorMessage: string | null;
  preset: { name: string } | null;
  params: Record<string, unknown>;
  inputIds: string[];
  outputs: Array<{ id: string; role: string; kind: string; width: number; height: number }>;
}

describe('browser: ComfyUI happy paths (fake ComfyUI)', function () {
  this.timeout(120_000);
  let h: Harness;
  let comfy: FakeComfy;
  withFakeComfyHarness((started) => ({ h, comfy } = started));

  /** Submits the open form, waits for the toast and the job's end; the job and its panel. */
  async function submitAndFinish(page: Page, workflow: string): Promise<{ job: JobBody; panel: ReturnType<Page['locator']> }> {
    await page.locator(`form[data-workflow="${workflow}"] button[data-action="submit-job"]`).click();
    await waitForText(page.locator('media-lab-toasts [data-role="toast"]'), new RegExp(`Job queued: ${workflow}`));
    const panel = page.locator('media-lab-app [part="latest"] media-lab-job');
    const id = await waitFor(() => panel.getAttribute('job-id'), 'the latest job panel');
    const job = (await waitForJobStatus(h, id, ['SUCCEEDED', 'FAILED'], 60_000)) as unknown as JobBody;
    assert.equal(job.status, 'SUCCEEDED', `the job failed: ${job.errorCode} ${job.errorMessage}`);
    await waitForText(panel.locator('media-lab-status-badge [part="badge"]'), /SUCCEEDED/);
    const preview = panel.locator('img[data-role="output-preview"]').first();
    await preview.waitFor({ state: 'visible' });
    await waitFor(() => preview.evaluate((img) => ((img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0) || null), 'the output preview to load');
    return { job, panel };
  }

  async function meanColour(artifactId: string): Promise<number[]> {
    const res = await fetch(`${h.api}/artifacts/${artifactId}/content`, { headers: { Authorization: `Bearer ${ADMIN}` } });
    assert.equal(res.status, 200);
    const stats = await sharp(Buffer.from(await res.arrayBuffer())).stats();
    return stats.channels.slice(0, 3).map((c) => Math.round(c.mean));
  }

  it('pixel-blend: two uploaded images, weights 3 and 1, "normal" -> the weighted mix', async () => {
    const page = await h.newPage();
    await page.goto(`${h.url}/media-lab`);
    await page.locator('button[data-tab="blend"]').click();
    const form = page.locator('form[data-workflow="blend"]');
    const preset = form.locator('select[name="preset"]');
    await preset.waitFor();
    // character-blend (the kind's default) samples with a model; pixel-blend's mix is checkable.
    await preset.selectOption('pixel-blend');
    await form.locator('input[name="image_1"]').setInputFiles({ name: 'red.png', mimeType: 'image/png', buffer: await solid('#ff0000') });
    await form.locator('input[name="image_2"]').setInputFiles({ name: 'blue.png', mimeType: 'image/png', buffer: await solid('#0000ff') });
    await form.locator('input[name="weight_1"]').fill('3');
    await form.locator('input[name="weight_2"]').fill('1');
    await form.locator('select[name="mode"]').selectOption('normal');
    const { job } = await submitAndFinish(page, 'blend');
    assert.equal(job.preset?.name, 'pixel-blend');
    assert.deepEqual([job.params.weight_1, job.params.weight_2, job.params.mode], [3, 1, 'normal']);
    const output = job.outputs.find((a) => a.role === 'output' && a.kind === 'image');
    assert.ok(output, 'an output image');
    assert.deepEqual([output.width, output.height], [48, 32]);
    const [r, g, b] = await meanColour(output.id);
    // 3 parts red, 1 part blue.
    assert.ok(Math.abs(r! - 191) <= 3 && g! <= 3 && Math.abs(b! - 64) <= 3, `mean colour ${r},${g},${b}`);
    await h.screenshot(page, 'blend-succeeded');
  });

  it('generate img2img: an uploaded reference and a prompt -> an image of the chosen size', async () => {
    const page = await h.newPage();
    await page.goto(`${h.url}/media-lab`);
    const form = page.locator('form[data-workflow="generate"]');
    const preset = form.locator('select[name="preset"]');
    await preset.waitFor();
    await preset.selectOption('img2img');
    await form.locator('input[name="reference"]').setInputFiles({ name: 'reference.png', mimeType: 'image/png', buffer: await solid('#33aa55', 64, 64) });
    await form.locator('textarea[name="prompt"]').fill('the same knight, winter armour');
    await form.locator('input[name="steps"]').fill('4');
    await form.locator('input[name="width"]').fill('256');
    await form.locator('input[name="height"]').fill('320');
    const { job } = await submitAndFinish(page, 'generate');
    assert.equal(job.preset?.name, 'img2img');
    assert.equal(job.params.prompt, 'the same knight, winter armour');
    assert.equal(typeof job.params.reference, 'string');
    assert.ok(job.inputIds.includes(job.params.reference as string), 'the reference is an input of the job (lineage)');
    const output = job.outputs.find((a) => a.role === 'output' && a.kind === 'image');
    assert.deepEqual([output?.width, output?.height], [256, 320]);
    const sent = comfy.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/prompt'));
    assert.ok(sent.length >= 1, 'the prompt went to ComfyUI');
    await h.screenshot(page, 'img2img-succeeded');
  });
});
