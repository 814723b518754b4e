// <prompt-artifacts> on the demo host's prompt-queue page, against the real prompt-queue adapter
// with test executors standing in for the ComfyUI kinds: thumbnails, players, the count badge,
// the error state and the refresh button, for an admin and for the prompt's (non-admin) owner.
import assert from 'node:assert/strict';
import { USER } from '../support/auth.js';
import { startHarness, waitForText, type Harness } from '../support/browser.js';
import { steppingKind, toneKind } from '../support/kinds.js';
import { waitFor } from '../support/wait.js';

describe('browser: prompt-artifacts widget', function () {
  let h: Harness;

  const promptStatus = async (id: number) =>
    ((await h.host.lab.knex('prompts').where({ id }).first()) as { artifact_status: string | null } | undefined)?.artifact_status ?? null;
  const promptsOfType = async (type: string) => ((await h.host.lab.knex('prompts').where({ prompt_type: type }).orderBy('id')) as Array<{ id: number }>).map((r) => r.id);

  before(async () => {
    h = await startHarness({
      kinds: [steppingKind('generate'), toneKind('music'), toneKind('voice')],
      demo: {
        promptQueue: {
          queue: { pollIntervalMs: 100 },
          // Test executors stand in for ComfyUI: nothing to wait for.
          deps: { availability: async () => ({ available: true, reachable: ['test'], unreachable: [], reason: null }) },
        },
      },
    });
    const knex = h.host.lab.knex;
    // One image prompt whose job fails, for the error state.
    await knex('prompts').insert({ user_id: 'demo-user', prompt_type: 'image', prompt_text: 'this one fails', status: 'pending', metadata: JSON.stringify({ params: { failWith: 'permanent' } }) });
    const media = [...(await promptsOfType('image')), ...(await promptsOfType('music')), ...(await promptsOfType('voice'))];
    await waitFor(async () => {
      const statuses = await Promise.all(media.map(promptStatus));
      return statuses.every((s) => s === 'ready' || s === 'error');
    }, 'every media prompt to be processed', 30_000);
  });
  after(async () => h?.close());
  afterEach(() => assert.deepEqual(h.pageErrors.splice(0), []));

  it('shows a finished image prompt\'s thumbnail, audio prompts\' players, counts and a failure', async () => {
    const page = await h.newPage();
    await page.goto(`${h.url}/prompts`);
    const [image] = await promptsOfType('image');
    const [music] = await promptsOfType('music');
    const [voice] = await promptsOfType('voice');
    const widget = (id: number) => page.locator(`prompt-artifacts[prompt-id="${id}"]`);

    const thumbnail = widget(image).locator('img[data-role="prompt-thumbnail"]');
    await thumbnail.waitFor({ state: 'visible' });
    await waitFor(() => thumbnail.evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0), 'the thumbnail to load');
    await waitForText(widget(image).locator('[data-role="count"]'), /^image \(1\)$/);

    for (const id of [music, voice]) {
      await widget(id).locator('media-lab-audio[data-role="prompt-audio"] [part="player"][data-state="ready"]').waitFor();
      await waitForText(widget(id).locator('[data-role="count"]'), /\(1\)$/);
    }
    await widget(music).locator('media-lab-audio button[part="play"]').click();
    await widget(music).locator('media-lab-audio [part="player"][data-playing="true"]').waitFor();

    const failed = (await promptsOfType('image')).at(-1) as number;
    await waitForText(widget(failed).locator('[data-role="prompt-error"]'), /Making the media failed/);
    assert.equal(await page.locator('li.prompt', { hasText: 'backstory' }).locator('prompt-artifacts').count(), 0, 'text prompts have no widget');
    await h.screenshot(page, 'prompt-queue-page');
  });

  it('refreshes on demand: a prompt added after the page loaded shows its media after "Refresh"', async () => {
    const page = await h.newPage({ token: USER });
    const [id] = await h.host.lab.knex('prompts').insert({ user_id: 'demo-user', prompt_type: 'image', prompt_text: 'a late addition', status: 'pending' }).returning('id').then((rows) => rows.map((r) => (typeof r === 'object' ? (r as { id: number }).id : r)));
    await page.goto(`${h.url}/prompts`);
    const widget = page.locator(`prompt-artifacts[prompt-id="${id}"]`);
    await widget.locator('[data-role="count"]').waitFor();
    await waitFor(async () => (await promptStatus(id)) === 'ready', 'the new prompt to be processed', 20_000);
    await widget.evaluate((el) => el.setAttribute('poll', '0'));
    await widget.locator('button[data-action="refresh"]').click();
    await widget.locator('img[data-role="prompt-thumbnail"]').waitFor({ state: 'visible' });
    await waitForText(widget.locator('[data-role="count"]'), /^image \(1\)$/);
  });
});
