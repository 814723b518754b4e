// The API reference page at <mount>/docs: Swagger UI from the installed swagger-ui-dist, signed
// out, with every request to anywhere but this host refused (offline), renders the operations
// of GET /openapi.json and the schemas they answer with.
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/browser.js';

describe('browser: API reference page', function () {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h?.close());
  afterEach(() => assert.deepEqual(h.pageErrors.splice(0), []));

  it('renders the document offline, without a token', async () => {
    const page = await h.newPage({ token: null, width: 1280, height: 900 });
    const elsewhere: string[] = [];
    await page.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith(h.url)) return route.continue();
      elsewhere.push(url);
      return route.abort();
    });
    const specLoaded = page.waitForResponse((res) => res.url().endsWith('/api/media-lab/openapi.json'));
    await page.goto(`${h.url}/api/media-lab/docs`);
    assert.equal((await specLoaded).status(), 200);
    await page.locator('.opblock').first().waitFor();
    const paths = await page.locator('.opblock-summary-path').allInnerTexts();
    for (const path of ['/api/media-lab/jobs', '/api/media-lab/jobs/{id}', '/api/media-lab/uploads', '/api/media-lab/presets', '/api/media-lab/health', '/api/media-lab/metrics']) {
      assert.ok(paths.some((p) => p.replace(/\u200b/g, '') === path), `the page lists ${path} (lists ${paths.length} operations)`);
    }
    assert.match(await page.locator('.information-container').innerText(), /Media Lab API/);
    // The security schemes make an Authorize button; the schemas section lists the contract's shapes.
    await page.locator('button.authorize').waitFor();
    assert.match(await page.locator('section.models').innerText(), /JobDetail/);
    assert.deepEqual(elsewhere, [], 'the page loads nothing from other hosts');
    await h.screenshot(page, 'api-docs');
  });
});
