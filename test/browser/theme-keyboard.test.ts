// Theming and keyboard use: light and dark schemes (the page's or the `theme` attribute), host
// overrides through --media-lab-* properties, tabs driven by arrow keys, the form reachable with Tab.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startHarness, type Harness } from '../support/browser.js';
import { steppingKind } from '../support/kinds.js';

describe('browser: theme and keyboard', function () {
  let h: Harness;
  before(async () => {
    h = await startHarness({ kinds: [steppingKind('interpolate')] });
  });
  after(async () => h?.close());
  afterEach(() => assert.deepEqual(h.pageErrors.splice(0), []));

  /** The background colour of the selected tab (it uses --media-lab-bg). */
  const tabBackground = (page: Page) => page.locator('button[data-tab][aria-selected="true"]').evaluate((el) => getComputedStyle(el).backgroundColor);

  it('follows the page\'s light or dark scheme, obeys theme="dark", and takes host colours', async () => {
    const page = await h.newPage();
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(`${h.url}/media-lab`);
    await page.locator('button[data-tab="interpolate"]').waitFor();
    assert.equal(await tabBackground(page), 'rgb(255, 255, 255)');
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.equal(await tabBackground(page), 'rgb(23, 23, 28)');
    await h.screenshot(page, 'theme-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.locator('media-lab-app').evaluate((el) => el.setAttribute('theme', 'dark'));
    assert.equal(await tabBackground(page), 'rgb(23, 23, 28)', 'theme="dark" wins over a light page');
    await page.locator('media-lab-app').evaluate((el) => (el as HTMLElement).style.setProperty('--media-lab-bg', 'rgb(1, 2, 3)'));
    assert.equal(await tabBackground(page), 'rgb(1, 2, 3)', 'a host colour wins over both');
  });

  it('moves between tabs with the arrow keys and reaches the form with Tab', async () => {
    const page = await h.newPage();
    await page.goto(`${h.url}/media-lab`);
    const generate = page.locator('button[data-tab="generate"]');
    await generate.focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.locator('button[data-tab="enhance"]').getAttribute('aria-selected'), 'true');
    await page.keyboard.press('End');
    assert.equal(await page.locator('button[data-tab="gallery"]').getAttribute('aria-selected'), 'true');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.locator('button[data-tab="generate"]').getAttribute('aria-selected'), 'true', 'wraps around');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.locator('button[data-tab="interpolate"]').getAttribute('aria-selected'), 'true');
    assert.match(page.url(), /#interpolate$/, 'the open tab is in the URL');

    // From the selected tab, Tab walks the form's controls down to the submit button.
    const reached: string[] = [];
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('Tab');
      const name = await page.evaluate(() => {
        let el: Element | null = document.activeElement;
        while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
        return el ? el.getAttribute('name') ?? el.getAttribute('data-action') ?? el.tagName.toLowerCase() : null;
      });
      if (name) reached.push(name);
      if (name === 'submit-job') break;
    }
    for (const control of ['steps', 'stepMs', 'failWith', 'outputs', 'submit-job']) assert.ok(reached.includes(control), `${control} is reachable by Tab (${reached.join(', ')})`);
    await page.keyboard.press('Enter');
    const toast = page.locator('media-lab-toasts [data-role="toast"]');
    await toast.waitFor();
    assert.match(await toast.innerText(), /Job queued/);
  });
});
