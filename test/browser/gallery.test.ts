// <media-lab-gallery> with 10,000 artifacts: pages arrive as you scroll, only the visible rows are
// in the DOM, every item stays reachable (scroll and keyboard), and an item opens its details.
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { randomBytes } from 'node:crypto';
import { startHarness, type Harness } from '../support/browser.js';
import { waitFor } from '../support/wait.js';

const FAKE_ARTIFACTS = 10_000;

/** A time-ordered id (the UUIDv7 layout the lab uses) for a moment in the past. */
function idAt(ms: number): string {
  const hex = ms.toString(16).padStart(12, '0') + '7' + randomBytes(10).toString('hex').slice(0, 19);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

describe('browser: gallery', function () {
  let h: Harness;
  let uploadId: string;
  let oldestId: string;

  before(async () => {
    h = await startHarness();
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#e0a030' } }).png().toBuffer();
    uploadId = (await h.upload(png, 'swatch.png')).id;
    // Ten thousand rows sharing the upload's file: the gallery only reads rows and thumbnails.
    const knex = h.host.lab.knex;
    const original = (await knex('media_artifacts').where({ id: uploadId }).first()) as Record<string, unknown>;
    const start = Date.now() - 3 * 24 * 3600 * 1000;
    const rows = Array.from({ length: FAKE_ARTIFACTS }, (_, i) => ({
      ...original,
      id: idAt(start + i * 1000),
      metadata: JSON.stringify({ index: i }),
      created_at: new Date(start + i * 1000).toISOString(),
    }));
    oldestId = rows[0].id;
    await knex.batchInsert('media_artifacts', rows, 500);
  });
  after(async () => h?.close());
  afterEach(() => assert.deepEqual(h.pageErrors.splice(0), []));

  /**
   * Thumbnails come from a stand-in here: these tests are about the grid, and ten thousand rows
   * share one file, so serving it a few thousand times would only measure the server.
   */
  async function galleryPage(): Promise<Page> {
    const page = await h.newPage();
    const thumb = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#e0a030' } }).webp().toBuffer();
    await page.route(/\/artifacts\/[^/]+\/thumbnail/, (route) => route.fulfill({ body: thumb, contentType: 'image/webp' }));
    await page.goto(`${h.url}/media-lab#gallery`);
    await items(page).first().waitFor();
    return page;
  }

  const items = (page: Page) => page.locator('media-lab-gallery [part~="item"]');

  it('scrolls through 10,000 artifacts with only the visible rows in the DOM', async () => {
    const page = await galleryPage();
    assert.equal(await items(page).first().getAttribute('data-artifact-id'), uploadId, 'newest first');
    // A standalone gallery with the largest page the API allows; the scrolling runs inside the
    // page so the test measures the element, not Playwright round trips.
    await page.evaluate(() => {
      const gallery = document.createElement('media-lab-gallery');
      gallery.id = 'big';
      gallery.setAttribute('page-size', '200');
      document.querySelector('main')?.prepend(gallery);
    });
    const sweep = await page.evaluate(async () => {
      // No named helpers in here: tsx would wrap them in a __name() the page does not have.
      const gallery = document.getElementById('big') as HTMLElement;
      while (!gallery.shadowRoot?.querySelector('[part~="item"]')) await new Promise((resolve) => requestAnimationFrame(resolve));
      const root = gallery.shadowRoot as ShadowRoot;
      const viewport = root.querySelector('[part="viewport"]') as HTMLElement;
      const status = root.querySelector('[part="status"]') as HTMLElement;
      const started = performance.now();
      let mostInDom = 0;
      let slowestFrame = 0;
      while (status.dataset.exhausted !== 'true' && performance.now() - started < 45_000) {
        const before = Number(status.dataset.loaded);
        viewport.scrollTo({ top: viewport.scrollHeight });
        while (Number(status.dataset.loaded) === before && status.dataset.exhausted !== 'true' && performance.now() - started < 45_000) {
          const t = performance.now();
          await new Promise((resolve) => requestAnimationFrame(resolve));
          slowestFrame = Math.max(slowestFrame, performance.now() - t);
          mostInDom = Math.max(mostInDom, root.querySelectorAll('[part~="item"]').length);
        }
      }
      // Let the element render what it loaded last (two frames: its update, then layout).
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      const rendered = [...root.querySelectorAll<HTMLElement>('[part~="item"]')];
      return {
        ms: Math.round(performance.now() - started),
        loaded: Number(status.dataset.loaded),
        exhausted: status.dataset.exhausted === 'true',
        mostInDom,
        slowestFrame: Math.round(slowestFrame),
        lastId: rendered.at(-1)?.dataset.artifactId ?? null,
      };
    });
    assert.ok(sweep.exhausted, `reached the end (${JSON.stringify(sweep)})`);
    assert.equal(sweep.loaded, FAKE_ARTIFACTS + 1);
    assert.ok(sweep.mostInDom <= 150, `only a few screens of items in the DOM (saw ${sweep.mostInDom})`);
    assert.equal(sweep.lastId, oldestId, 'the oldest artifact is at the end');
    // Generous: this machine is shared; a janky list would block for seconds, not this.
    assert.ok(sweep.slowestFrame < 1500, `frames kept coming (slowest ${sweep.slowestFrame} ms)`);

    // A jump to the middle renders the items there, and only those.
    const big = page.locator('#big');
    await big.locator('[part="viewport"]').evaluate((el) => el.scrollTo({ top: el.scrollHeight / 2 }));
    await waitFor(async () => {
      const positions = await big.locator('[part="cell"]').evaluateAll((cells) => cells.map((c) => Number(c.getAttribute('aria-posinset'))));
      return positions.length > 0 && positions.every((p) => Math.abs(p - (FAKE_ARTIFACTS + 1) / 2) < 300);
    }, 'the middle items to render');
    assert.ok((await big.locator('[part~="item"]').count()) <= 150);
    await h.screenshot(page, 'gallery-10000');
  });

  it('moves between items with the keyboard and opens an item\'s details', async () => {
    const page = await galleryPage();
    await items(page).first().focus();
    await page.keyboard.press('ArrowRight');
    const focusedId = () => page.evaluate(() => {
      const gallery = document.querySelector('media-lab-app')?.shadowRoot?.querySelector('media-lab-gallery');
      return (gallery?.shadowRoot?.activeElement as HTMLElement | null)?.dataset.artifactId ?? null;
    });
    assert.equal(await focusedId(), await items(page).nth(1).getAttribute('data-artifact-id'));
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('PageDown');
    await page.keyboard.press('PageDown');
    const deep = await focusedId();
    assert.ok(deep, 'focus stays on an item after paging down past the first screen');
    await page.keyboard.press('Enter');
    const detail = page.locator('media-lab-gallery [part="detail"]');
    await detail.waitFor();
    assert.equal(await detail.getAttribute('data-artifact-id'), deep);
    assert.match(await detail.innerText(), /image \(image\/png\)[\s\S]*Uploaded source/);
    // The details open in a lightbox; Escape closes it and gives focus back to the item.
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'detached' });
    assert.equal(await focusedId(), deep);
    await page.keyboard.press('Home');
    assert.equal(await focusedId(), uploadId);
  });
});
