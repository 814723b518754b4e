// The demo host's header: who is signed in (and whether as an admin), and sign-out, which ends
// the session for the pages and the Media Lab API alike.
import assert from 'node:assert/strict';
import { ADMIN, USER } from '../support/auth.js';
import { startHarness, waitForText, type Harness } from '../support/browser.js';

describe('browser: signing in and out of the demo host', function () {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h?.close());
  afterEach(() => assert.deepEqual(h.pageErrors.splice(0), []));

  it('shows who is signed in on every page and signs out', async () => {
    const page = await h.newPage({ token: null });
    await page.goto(`${h.url}/media-lab`);
    assert.equal(await page.locator('header [data-role="signed-in-as"]').count(), 0);
    await page.locator('header a[data-role="sign-in"]').click();
    await page.fill('input[name="token"]', ADMIN);
    await Promise.all([page.waitForURL(/\/media-lab$/), page.click('main form button[data-action="sign-in"]')]);
    await waitForText(page.locator('header [data-role="signed-in-as"]'), /^Signed in as demo-admin \(admin\)$/);
    await page.locator('media-lab-app button[data-tab="generate"]').waitFor();
    await h.screenshot(page, 'demo-host-signed-in');
    for (const path of ['/', '/sign-in', '/media-lab/jobs/0190a0b0-0000-7000-8000-000000000000']) {
      await page.goto(`${h.url}${path}`);
      await waitForText(page.locator('header [data-role="signed-in-as"]'), /Signed in as demo-admin/);
    }

    await page.goto(`${h.url}/media-lab`);
    await Promise.all([page.waitForURL(/\/sign-in\?signed-out$/), page.click('header button[data-action="sign-out"]')]);
    await waitForText(page.locator('[data-role="sign-in-message"]'), /You are signed out\./);
    assert.equal(await page.locator('header [data-role="signed-in-as"]').count(), 0);
    await page.locator('header a[data-role="sign-in"]').waitFor();
    assert.deepEqual(await page.context().cookies(h.url).then((c) => c.filter((x) => x.name === 'media_lab_token')), [], 'the cookie is gone');
    await h.screenshot(page, 'demo-host-signed-out');
    // The lab sees nobody now either.
    await page.goto(`${h.url}/media-lab`);
    const notice = page.locator('media-lab-app [part="access-denied"]');
    await notice.waitFor();
    assert.equal(await notice.getAttribute('data-status'), '401');
  });

  it('says when the signed-in user is not an admin', async () => {
    const page = await h.newPage({ token: USER });
    await page.goto(`${h.url}/media-lab`);
    await waitForText(page.locator('header [data-role="signed-in-as"]'), /^Signed in as demo-user \(not an admin\)$/);
    await page.locator('media-lab-app [part="access-denied"]').waitFor();
  });
});
