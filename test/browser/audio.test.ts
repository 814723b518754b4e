// <media-lab-audio>: an audio output on the job page plays, draws its waveform and seeks from the
// keyboard and the mouse.
import assert from 'node:assert/strict';
import { startHarness, waitForJobStatus, waitForText, type Harness } from '../support/browser.js';
import { toneKind } from '../support/kinds.js';
import { waitFor } from '../support/wait.js';

describe('browser: audio player', function () {
  let h: Harness;
  before(async () => {
    h = await startHarness({ kinds: [toneKind('music')] });
  });
  after(async () => h?.close());
  afterEach(() => assert.deepEqual(h.pageErrors.splice(0), []));

  it('plays a job\'s audio output, with a waveform, and seeks with keys and clicks', async () => {
    const { body } = await h.apiJson<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'music', params: { seconds: 4 } }) });
    await waitForJobStatus(h, body.id, ['SUCCEEDED']);
    const page = await h.newPage();
    await page.goto(`${h.url}/media-lab/jobs/${body.id}`);
    const player = page.locator('media-lab-audio[data-role="output-audio"]');
    await player.locator('[part="player"][data-state="ready"]').waitFor();
    await waitForText(player.locator('[part="time"]'), /0:00 \/ 0:04/);

    const inked = await player.locator('canvas').evaluate((canvas) => {
      const c = canvas as HTMLCanvasElement;
      const pixels = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
      return painted / (c.width * c.height);
    });
    assert.ok(inked > 0.05 && inked < 0.95, `the waveform is drawn (${Math.round(inked * 100)}% inked)`);

    await player.locator('button[part="play"]').click();
    await player.locator('[part="player"][data-playing="true"]').waitFor();
    await waitFor(async () => Number(await player.locator('[part="waveform"]').getAttribute('aria-valuenow')) >= 1, 'playback to advance');
    await player.locator('button[part="play"]').click();
    await player.locator('[part="player"][data-playing="false"]').waitFor();
    await h.screenshot(page, 'audio-player');

    const wave = player.locator('[part="waveform"]');
    await wave.focus();
    await page.keyboard.press('Home');
    await waitForText(player.locator('[part="time"]'), /^0:00 \/ 0:04$/);
    await page.keyboard.press('ArrowRight');
    await waitForText(player.locator('[part="time"]'), /^0:04 \/ 0:04$/);
    await page.keyboard.press('ArrowLeft');
    await waitForText(player.locator('[part="time"]'), /^0:00 \/ 0:04$/);
    const box = await wave.boundingBox();
    assert.ok(box);
    await page.mouse.click(box.x + box.width * 0.5, box.y + box.height / 2);
    await waitForText(player.locator('[part="time"]'), /^0:02 \/ 0:04$/);
    assert.equal(await wave.getAttribute('aria-valuenow'), '2');
  });
});
