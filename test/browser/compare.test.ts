// <media-lab-compare>: the before/after slider moves with a mouse, a finger and the keyboard, and
// shows "before" left of the divider and "after" right of it.
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { startHarness, type Harness } from '../support/browser.js';
import { waitFor } from '../support/wait.js';

async function dataUrl(color: string): Promise<string> {
  const png = await sharp({ create: { width: 400, height: 200, channels: 3, background: color } }).png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** Puts a slider with a red "before" and a blue "after" image on the demo host's home page. */
async function mountSlider(page: Page, url: string): Promise<void> {
  const [before, after] = await Promise.all([dataUrl('#ff0000'), dataUrl('#0000ff')]);
  await page.goto(url);
  await page.evaluate(
    ([b, a]) => {
      const slider = document.createElement('media-lab-compare');
      slider.setAttribute('before', b);
      slider.setAttribute('after', a);
      slider.style.width = '400px';
      document.querySelector('main')?.prepend(slider);
      (window as unknown as { changes: number[] }).changes = [];
      slider.addEventListener('media-lab-compare-change', (e) => (window as unknown as { changes: number[] }).changes.push((e as CustomEvent<{ position: number }>).detail.position));
    },
    [before, after],
  );
  await page.locator('media-lab-compare [part="frame"]').waitFor();
  await waitFor(() => page.locator('media-lab-compare img[part="after"]').evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0), 'images');
}

const position = (page: Page) => page.locator('media-lab-compare [part="handle"]').getAttribute('aria-valuenow').then(Number);

async function frameBox(page: Page) {
  const box = await page.locator('media-lab-compare [part="frame"]').boundingBox();
  assert.ok(box);
  return box;
}

/** The colour under a point of the slider, read from a screenshot. */
async function colourAt(page: Page, fractionX: number): Promise<'red' | 'blue' | 'other'> {
  const shot = await page.locator('media-lab-compare [part="frame"]').screenshot();
  const { data, info } = await sharp(shot).raw().toBuffer({ resolveWithObject: true });
  const x = Math.round(info.width * fractionX);
  const y = Math.round(info.height * 0.75);
  const at = (y * info.width + x) * info.channels;
  const [r, g, b] = [data[at], data[at + 1], data[at + 2]];
  if (r > 200 && g < 60 && b < 60) return 'red';
  if (b > 200 && r < 60 && g < 60) return 'blue';
  return 'other';
}

describe('browser: compare slider', function () {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h?.close());
  afterEach(() => assert.deepEqual(h.pageErrors.splice(0), []));

  it('follows the mouse: click and drag move the divider; before on the left, after on the right', async () => {
    const page = await h.newPage();
    await mountSlider(page, h.url);
    assert.equal(await position(page), 50);
    const box = await frameBox(page);
    const y = box.y + box.height / 2;
    await page.mouse.click(box.x + box.width * 0.25, y);
    assert.ok(Math.abs((await position(page)) - 25) <= 1, `click: ${await position(page)}`);
    await page.mouse.move(box.x + box.width * 0.3, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.55, y, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.8, y, { steps: 5 });
    await page.mouse.up();
    assert.ok(Math.abs((await position(page)) - 80) <= 1, `drag: ${await position(page)}`);
    assert.equal(await colourAt(page, 0.6), 'red', 'left of the divider shows the before image');
    assert.equal(await colourAt(page, 0.92), 'blue', 'right of the divider shows the after image');
    const changes = await page.evaluate(() => (window as unknown as { changes: number[] }).changes);
    assert.ok(changes.length >= 3, 'media-lab-compare-change fired while dragging');
    await h.screenshot(page, 'compare-mouse');
  });

  it('follows a finger: tap and swipe', async () => {
    const page = await h.newPage({ touch: true });
    await mountSlider(page, h.url);
    const box = await frameBox(page);
    const y = box.y + box.height / 2;
    await page.touchscreen.tap(box.x + box.width * 0.2, y);
    await waitFor(async () => Math.abs((await position(page)) - 20) <= 1, 'tap to move the divider to 20%');
    const cdp = await page.context().newCDPSession(page);
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', fraction: number) =>
      cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x: box.x + box.width * fraction, y }] });
    await touch('touchStart', 0.2);
    for (const f of [0.3, 0.45, 0.6, 0.7]) await touch('touchMove', f);
    await touch('touchEnd', 0.7);
    await waitFor(async () => Math.abs((await position(page)) - 70) <= 1, 'swipe to move the divider to 70%');
    assert.equal(await colourAt(page, 0.5), 'red');
    assert.equal(await colourAt(page, 0.9), 'blue');
  });

  it('works from the keyboard: arrows, Shift+arrows, Page keys, Home and End', async () => {
    const page = await h.newPage();
    await mountSlider(page, h.url);
    await page.locator('body').click({ position: { x: 2, y: 2 } });
    // Tab through the page's links to the slider handle: it is keyboard reachable.
    for (let i = 0; i < 10 && !(await page.locator('media-lab-compare [part="handle"]').evaluate((el) => el.matches(':focus'))); i++) await page.keyboard.press('Tab');
    assert.ok(await page.locator('media-lab-compare [part="handle"]').evaluate((el) => el.matches(':focus')), 'the handle takes focus');
    assert.equal(await page.locator('media-lab-compare [part="handle"]').getAttribute('role'), 'slider');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await position(page), 49);
    await page.keyboard.press('Shift+ArrowRight');
    assert.equal(await position(page), 59);
    await page.keyboard.press('PageDown');
    assert.equal(await position(page), 49);
    await page.keyboard.press('Home');
    assert.equal(await position(page), 0);
    assert.equal(await colourAt(page, 0.5), 'blue', 'all "after" at 0');
    await page.keyboard.press('End');
    assert.equal(await position(page), 100);
    assert.equal(await colourAt(page, 0.5), 'red', 'all "before" at 100');
  });
});
