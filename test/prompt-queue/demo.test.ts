import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoHost, type DemoHost } from '../../examples/demo-host.js';
import type { PromptJson } from '../../plugin/prompt-queue/index.js';
import { captureLog } from '../support/lab.js';

describe('the demo host prompt queue', () => {
  let host: DemoHost;
  const log = captureLog();
  before(async () => {
    host = await startDemoHost({ port: 0, dataDir: mkdtempSync(join(tmpdir(), 'media-lab-demo-')), comfyUrls: [], quiet: true, logger: log.logger, promptQueue: { queue: { pollIntervalMs: 50, logger: log.logger } } });
  });
  after(async () => host?.close());

  it('seeds a prompts table, lists it on /prompts with a <prompt-artifacts> per media prompt, and serves /api/prompts', async () => {
    const page = await (await fetch(`${host.url}/prompts`)).text();
    assert.equal(page.match(/<prompt-artifacts /g)?.length, 4, 'image, image, music, voice');
    assert.match(page, /api="\/api\/prompts"/);
    const res = await fetch(`${host.url}/api/prompts`, { headers: { Authorization: 'Bearer demo-admin-token' } });
    assert.equal(res.status, 200);
    const { items } = (await res.json()) as { items: PromptJson[] };
    assert.deepEqual(items.map((p) => [p.prompt_type, p.artifact_status]), [
      ['voice', 'pending'],
      ['music', 'pending'],
      ['image', 'pending'],
      ['image', 'pending'],
      ['text', null],
    ]);
    assert.equal((await fetch(`${host.url}/api/prompts`)).status, 401);
  });

  it('pauses without ComfyUI and says why, leaving the prompts pending', async () => {
    await host.promptQueue?.queue.pass();
    assert.equal(host.promptQueue?.queue.paused, true);
    assert.ok(log.warn.some((w) => /no ComfyUI backend is configured \(set COMFYUI_URL/.test(w)), log.warn.join('\n'));
  });
});
