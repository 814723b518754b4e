import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { USER } from '../support/auth.js';
import { DATABASES } from '../support/db.js';
import { insertPrompts, startQueueHarness, type QueueHarness } from '../support/prompt-queue-host.js';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import type { PromptJson } from '../../plugin/prompt-queue/index.js';
import type { PromptArtifacts } from '../../contract/prompts.js';

for (const target of DATABASES) {
  target.describe(`prompt routes on ${target.name}`, function () {
    let comfy: FakeComfy;
    let h: QueueHarness;
    let image: number;
    let music: number;
    let othersImage: number;
    let text: number;

    before(async () => {
      comfy = await startFakeComfy();
      h = await startQueueHarness({ db: await target.create(), comfyUrl: comfy.url });
      [image, music, othersImage, text] = await insertPrompts(h.knex, [
        { prompt_type: 'image', prompt_text: 'a castle in fog' },
        { prompt_type: 'music', prompt_text: 'marching drums' },
        { prompt_type: 'image', prompt_text: 'not yours', user_id: 'someone-else' },
        { prompt_type: 'text', prompt_text: 'plain words' },
      ]);
      const report = await h.queue.drain();
      assert.equal(report.completed, 3, JSON.stringify(report));
    });
    after(async () => {
      await h.close();
      await comfy.close();
    });

    it('GET /api/prompts/:id/artifacts lists the artifacts with file and preview URLs', async () => {
      const res = await h.fetch(`/api/prompts/${image}/artifacts`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as PromptArtifacts;
      assert.equal(body.artifact_status, 'ready');
      assert.equal(body.artifact_count, 1);
      assert.deepEqual(body.artifacts.map((a) => a.artifact_type), ['image', 'thumbnail']);
      const [output] = body.artifacts;
      assert.equal(output.file_url, `/api/prompts/${image}/artifacts/${output.id}/file`);
      assert.equal(output.preview_url, `/api/prompts/${image}/artifacts/${output.id}/preview`);
      assert.equal(output.mime, 'image/png');

      const file = await h.fetch(output.file_url);
      assert.equal(file.status, 200);
      assert.equal(file.headers.get('content-type'), 'image/png');
      assert.match(file.headers.get('cache-control') ?? '', /private/);
      assert.deepEqual(Buffer.from(await file.arrayBuffer()), readFileSync(join(h.queue.media.root, output.file_path)));
      const preview = await h.fetch(output.preview_url as string);
      assert.equal(preview.status, 200);
      assert.equal(preview.headers.get('content-type'), 'image/webp');

      const audio = (await (await h.fetch(`/api/prompts/${music}/artifacts`)).json()) as PromptArtifacts;
      assert.deepEqual(audio.artifacts.map((a) => [a.artifact_type, a.mime]), [['audio', 'audio/wav'], ['waveform', 'image/png']]);
      const ranged = await fetch(`${h.url}${audio.artifacts[0].file_url}`, { headers: { Authorization: `Bearer ${USER}`, Range: 'bytes=0-3' } });
      assert.equal(ranged.status, 206, 'audio players seek with Range requests');
      assert.equal(Buffer.from(await ranged.arrayBuffer()).toString(), 'RIFF');
    });

    it('lists prompts with their artifact_status and artifacts, newest first, with a cursor', async () => {
      const res = await h.fetch('/api/prompts?limit=3');
      assert.equal(res.status, 200);
      const page = (await res.json()) as { items: PromptJson[]; nextCursor: string | null };
      assert.deepEqual(page.items.map((p) => p.id), [text, othersImage, music]);
      assert.equal(page.items[0].artifact_status, 'pending');
      assert.deepEqual(page.items[0].artifacts, []);
      assert.equal(page.items[2].artifact_status, 'ready');
      assert.equal(page.items[2].status, 'completed');
      assert.equal(page.items[2].artifacts.length, 2);
      assert.equal(page.nextCursor, String(music));
      const next = (await (await h.fetch(`/api/prompts?limit=3&cursor=${page.nextCursor}`)).json()) as { items: PromptJson[] };
      assert.deepEqual(next.items.map((p) => p.id), [image]);
      const images = (await (await h.fetch('/api/prompts?type=image&artifact_status=ready')).json()) as { items: PromptJson[] };
      assert.deepEqual(images.items.map((p) => p.id), [othersImage, image]);
      const single = (await (await h.fetch(`/api/prompts/${image}`)).json()) as PromptJson;
      assert.equal(single.prompt_text, 'a castle in fog');
      assert.equal(single.artifact_count, 1);
    });

    it('serves media only to signed-in users the host allows (default: the owner and admins)', async () => {
      const mine = (await (await h.fetch(`/api/prompts/${image}/artifacts`, USER)).json()) as PromptArtifacts;
      assert.equal((await h.fetch(mine.artifacts[0].file_url, USER)).status, 200, 'the owner');
      const theirs = (await (await h.fetch(`/api/prompts/${othersImage}/artifacts`)).json()) as PromptArtifacts;
      assert.equal((await h.fetch(theirs.artifacts[0].file_url)).status, 200, 'an admin');
      const forbidden = await h.fetch(theirs.artifacts[0].file_url, USER);
      assert.equal(forbidden.status, 403);
      assert.match(((await forbidden.json()) as { detail: string }).detail, /may not see/);
      assert.equal((await h.fetch(`/api/prompts/${othersImage}/artifacts`, USER)).status, 403);
      const anonymous = await h.fetch(mine.artifacts[0].file_url, null);
      assert.equal(anonymous.status, 401);
      assert.ok(anonymous.headers.get('www-authenticate'));
      const listed = (await (await h.fetch('/api/prompts', USER)).json()) as { items: PromptJson[] };
      assert.ok(!listed.items.some((p) => p.id === othersImage), 'the list hides prompts the user may not see');
      assert.equal((await h.fetch('/api/prompts/999999/artifacts')).status, 404);
      assert.equal((await h.fetch('/api/prompts/not-a-number')).status, 404);
      assert.equal((await h.fetch('/api/prompts/..%2F..%2Fetc')).status, 422);
      assert.equal((await h.fetch(`/api/prompts/${image}/artifacts/999999/file`)).status, 404);
      assert.equal((await h.fetch(`/api/prompts/${image}/artifacts/${mine.artifacts[1].id}/preview`)).status, 404, 'a preview row has no preview of its own');
    });
  });
}
