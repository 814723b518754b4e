// Scenario 5: the prompt-queue page shows a completed image prompt's thumbnail and an audio
// prompt's player, made through the (fake) ComfyUI by the prompt-queue adapter.
import assert from 'node:assert/strict';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import { startHarness, type Harness } from '../support/browser.js';
import { waitFor } from '../support/wait.js';

describe('browser: prompt queue through ComfyUI (scenario 5)', function () {
  this.timeout(120_000);
  let h: Harness;
  let comfy: FakeComfy;
  before(async () => {
    comfy = await startFakeComfy();
    h = await startHarness({ demo: { comfyUrls: [comfy.url], promptQueue: { queue: { pollIntervalMs: 200 } } } });
  });
  after(async () => {
    await h?.close();
    await comfy?.close();
  });
  afterEach(() => assert.deepEqual(h.pageErrors.splice(0), []));

  const firstOfType = async (type: string) => ((await h.host.lab.knex('prompts').where({ prompt_type: type }).orderBy('id').first()) as { id: number }).id;
  const statusOf = async (id: number) => ((await h.host.lab.knex('prompts').where({ id }).first()) as { artifact_status: string | null }).artifact_status;

  it('shows the thumbnail of a finished image prompt and the player of a finished music prompt', async () => {
    const image = await firstOfType('image');
    const music = await firstOfType('music');
    await waitFor(async () => (await statusOf(image)) === 'ready' && (await statusOf(music)) === 'ready', 'the image and music prompts', 90_000);
    const page = await h.newPage();
    await page.goto(`${h.url}/prompts`);
    const thumbnail = page.locator(`prompt-artifacts[prompt-id="${image}"] img[data-role="prompt-thumbnail"]`);
    await thumbnail.waitFor({ state: 'visible' });
    await waitFor(() => thumbnail.evaluate((img) => (img as HTMLImageElement).naturalWidth > 0), 'the thumbnail to load');
    await page.locator(`prompt-artifacts[prompt-id="${music}"] media-lab-audio [part="player"][data-state="ready"]`).waitFor();
    await h.screenshot(page, 'prompt-queue-comfy');
  });
});
