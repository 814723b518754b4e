// The gallery with real media: a video shows the poster its interpolation made (the poster is no
// item of its own), an audio clip its waveform; filters by kind, role and workflow; an item's
// details open in a lightbox in view, with ArrowLeft / ArrowRight / Escape.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { Locator, Page } from 'playwright-core';
import type { Artifact } from '../../contract/artifact.js';
import { startHarness, waitForJobStatus, type Harness } from '../support/browser.js';
import { testClips } from '../support/clips.js';
import { steppingKind, toneKind } from '../support/kinds.js';
import { waitFor } from '../support/wait.js';

describe('browser: gallery filters, thumbnails and the lightbox', function () {
  let h: Harness;
  let photo: string;
  let upload: string;
  let video: string;
  let poster: string;
  let audio: string;
  let generated: string[];

  async function run(body: Record<string, unknown>): Promise<Array<{ id: string; kind: string; role: string }>> {
    const { status, body: job } = await h.apiJson<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify(body) });
    assert.equal(status, 202, JSON.stringify(job));
    const done = await waitForJobStatus(h, job.id, ['SUCCEEDED', 'FAILED'], 60_000);
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    return (await h.apiJson<{ outputs: Array<{ id: string; kind: string; role: string }> }>(`/jobs/${job.id}`)).body.outputs;
  }

  before(async () => {
    h = await startHarness({ kinds: [steppingKind('generate'), toneKind('music')] });
    const clips = await testClips();
    photo = (await h.upload(await sharp({ create: { width: 96, height: 64, channels: 3, background: '#30a0e0' } }).png().toBuffer(), 'sky.png')).id;
    upload = (await h.upload(await readFile(clips.motion), 'motion.mp4')).id;
    video = (await run({ workflow: 'interpolate', inputs: [upload], params: { targetFps: 120, mode: 'fast' } }))[0].id;
    poster = (await h.apiJson<{ items: Artifact[] }>('/artifacts?role=preview')).body.items[0].id;
    audio = (await run({ workflow: 'music', params: { seconds: 3 } }))[0].id;
    generated = (await run({ workflow: 'generate', params: { outputs: 2 } })).map((a) => a.id);
  });
  after(async () => h?.close());
  afterEach(() => assert.deepEqual(h.pageErrors.splice(0), []));

  const items = (page: Page) => page.locator('media-lab-gallery [part~="item"]');
  const shownIds = async (page: Page) => (await items(page).evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.artifactId))).sort();
  const imageLoaded = (img: Locator) => waitFor(() => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0), 'a thumbnail to load');

  async function expectItems(page: Page, ids: string[]): Promise<void> {
    const want = [...ids].sort();
    await waitFor(async () => JSON.stringify(await shownIds(page)) === JSON.stringify(want), `the gallery to show ${want.length} items`);
  }

  it('shows a video by its poster and an audio clip by its waveform; the poster is not an item', async () => {
    const page = await h.newPage();
    await page.goto(`${h.url}/media-lab#gallery`);
    await expectItems(page, [photo, upload, video, audio, ...generated]);
    assert.ok(!(await shownIds(page)).includes(poster));
    for (const id of [video, audio, upload]) await imageLoaded(page.locator(`media-lab-gallery [data-artifact-id="${id}"] img[part~="thumbnail"]`));
    assert.equal(await page.locator(`media-lab-gallery [data-artifact-id="${audio}"] img[part~="thumbnail-audio"]`).count(), 1);
    await h.screenshot(page, 'gallery-media');
  });

  it('filters by workflow, kind and role on the server', async () => {
    const page = await h.newPage();
    await page.goto(`${h.url}/media-lab#gallery`);
    await expectItems(page, [photo, upload, video, audio, ...generated]);
    const filter = (name: string) => page.locator(`media-lab-gallery select[name="${name}"]`);
    const requests: string[] = [];
    page.on('request', (r) => r.url().includes('/artifacts?') && requests.push(new URL(r.url()).search));

    await filter('workflow').selectOption('interpolate');
    await expectItems(page, [video]);
    await filter('workflow').selectOption('generate');
    await expectItems(page, generated);
    await h.screenshot(page, 'gallery-filter-workflow');
    await filter('workflow').selectOption('');
    await filter('kind').selectOption('audio');
    await expectItems(page, [audio]);
    await filter('kind').selectOption('');
    await filter('role').selectOption('input');
    await expectItems(page, [photo, upload]);
    await filter('kind').selectOption('video');
    await expectItems(page, [upload]);
    assert.ok(requests.some((q) => /workflow=interpolate/.test(q)) && requests.some((q) => /kind=video/.test(q) && /role=input/.test(q)), requests.join(' '));
    await filter('role').selectOption('');
    await filter('kind').selectOption('');
    await filter('workflow').selectOption('blend');
    await page.locator('media-lab-gallery [part="viewport"] p', { hasText: 'Nothing matches these filters.' }).waitFor();
  });

  it('opens an item in a lightbox in view; arrows step through the items, Escape closes it', async () => {
    const page = await h.newPage({ height: 700 });
    await page.goto(`${h.url}/media-lab#gallery`);
    await expectItems(page, [photo, upload, video, audio, ...generated]);
    const order = await items(page).evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.artifactId as string));
    const lightbox = page.locator('media-lab-gallery [part="lightbox"]');
    const detail = page.locator('media-lab-gallery [part="detail"]');

    // Scroll the page so the gallery sits low: the lightbox still opens in view.
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    const videoIndex = order.indexOf(video);
    await items(page).nth(videoIndex).click();
    await detail.waitFor();
    assert.equal(await detail.getAttribute('data-artifact-id'), video);
    const box = await lightbox.boundingBox();
    assert.ok(box && box.y >= 0 && box.y + box.height <= 700, `the lightbox is in view (${JSON.stringify(box)})`);
    assert.equal(await lightbox.getAttribute('role'), 'dialog');
    assert.match(await detail.innerText(), /video \(video\/mp4\)/);
    await h.screenshot(page, 'gallery-lightbox-video');

    // Modal: Tab goes round the lightbox's own controls.
    const focusInLightbox = () =>
      page.evaluate(() => {
        const root = document.querySelector('media-lab-app')?.shadowRoot?.querySelector('media-lab-gallery')?.shadowRoot;
        return Boolean(root?.activeElement && root.querySelector('[part="lightbox"]')?.contains(root.activeElement));
      });
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press(i % 3 === 2 ? 'Shift+Tab' : 'Tab');
      assert.ok(await focusInLightbox(), `focus stays in the lightbox (tab ${i + 1})`);
    }
    await lightbox.focus();

    await page.keyboard.press('ArrowRight');
    await waitFor(async () => (await detail.getAttribute('data-artifact-id').catch(() => null)) === order[videoIndex + 1], 'the next item');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await waitFor(async () => (await detail.getAttribute('data-artifact-id').catch(() => null)) === order[videoIndex - 1], 'the item before the video');

    const audioIndex = order.indexOf(audio);
    await page.keyboard.press('Escape');
    await lightbox.waitFor({ state: 'detached' });
    await items(page).nth(audioIndex).click();
    await detail.waitFor();
    await detail.locator('media-lab-audio [part="player"][data-state="ready"]').waitFor();
    await h.screenshot(page, 'gallery-lightbox-audio');
    await page.keyboard.press('Escape');
    await lightbox.waitFor({ state: 'detached' });
    const focused = await page.evaluate(() => {
      const gallery = document.querySelector('media-lab-app')?.shadowRoot?.querySelector('media-lab-gallery');
      return (gallery?.shadowRoot?.activeElement as HTMLElement | null)?.dataset.artifactId ?? null;
    });
    assert.equal(focused, audio, 'focus returns to the item');
  });
});
