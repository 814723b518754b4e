// Structured logs through a real job: the JSON lines of a ComfyUI job carry its fields, the
// prompt-queue lines carry the prompt id, and a prompt's artifact_metadata records the ComfyUI
// prompt id, backend and durations (completed) or the log lines that explain it (failed).
import assert from 'node:assert/strict';
import { DATABASES } from '../support/db.js';
import { insertPrompts, promptRow, startQueueHarness, type QueueHarness } from '../support/prompt-queue-host.js';
import { NodeException, startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import { standInNodes } from '../fake-comfy/nodes/stand-ins.js';
import { useComfyKinds } from './comfy-kinds.js';

const FAILING_SEED = 4242;

interface Metadata {
  jobId: string;
  backend?: string;
  comfyPromptId?: string;
  durations?: { queuedMs: number; runMs: number; totalMs: number };
  logTail?: string[];
}

for (const target of DATABASES) {
  target.describe(`structured logs of prompt jobs through the fake ComfyUI on ${target.name}`, function () {
    let comfy: FakeComfy;
    let h: QueueHarness;
    let bridge: { stop(): Promise<void> };

    before(async () => {
      comfy = await startFakeComfy();
      comfy.registerNode('KSampler', (ctx) => {
        if (ctx.inputs.seed === FAILING_SEED) throw new NodeException('torch.OutOfMemoryError', 'CUDA out of memory. Tried to allocate 9.00 GiB');
        return standInNodes.KSampler(ctx);
      });
      h = await startQueueHarness({ db: await target.create(), comfyUrl: comfy.url, kinds: [] });
      bridge = await useComfyKinds(h.lab);
    });
    after(async () => {
      await h.close();
      await bridge.stop();
      await comfy.close();
    });

    it('a completed prompt records the ComfyUI prompt id, backend and durations; the job lines carry the job fields', async () => {
      const [id] = await insertPrompts(h.knex, [{ prompt_type: 'image', prompt_text: 'a lighthouse at dusk' }]);
      const report = await h.queue.drain();
      assert.equal(report.completed, 1, `${JSON.stringify(report)} ${h.log.warn.join('\n')}`);
      const row = await promptRow(h.knex, id);
      const meta = JSON.parse(String(row.artifact_metadata)) as Metadata;
      assert.equal(meta.backend, 'fake-comfy');
      assert.match(String(meta.comfyPromptId), /^[0-9a-f-]{36}$/);
      assert.ok(meta.durations && meta.durations.runMs >= 0 && meta.durations.queuedMs >= 0 && meta.durations.totalMs >= meta.durations.runMs, JSON.stringify(meta));
      assert.equal(meta.logTail, undefined, 'no log tail on success');
      assert.ok(comfy.requests.some((r) => r.method === 'POST' && JSON.stringify(r.body).includes(String(meta.comfyPromptId))), 'the id ComfyUI was given');

      const jobLines = h.log.lines.filter((l) => l.jobId === meta.jobId && l.component === undefined);
      const started = jobLines.find((l) => /started/.test(l.msg));
      assert.ok(started, h.log.lines.map((l) => l.msg).join('\n'));
      assert.equal(started.workflow, 'generate');
      assert.match(String(started.preset), /^txt2img@\d+$/);
      assert.equal(started.attempt, 1);
      assert.equal(typeof started.queuedMs, 'number');
      assert.ok(jobLines.some((l) => typeof l.stage === 'string'), 'stage changes are logged');
      const finished = jobLines.find((l) => l.outcome === 'SUCCEEDED');
      assert.ok(finished, 'a finish line');
      assert.equal(finished.backend, 'fake-comfy');
      assert.equal(finished.comfyPromptId, meta.comfyPromptId);
      assert.equal(typeof finished.runMs, 'number');
      assert.equal(typeof finished.queuedMs, 'number');
      assert.equal(finished.level, 'info');
      assert.equal(finished.name, 'media-lab');

      const promptLines = h.log.lines.filter((l) => l.component === 'prompt-queue' && l.promptId === String(id));
      assert.ok(promptLines.some((l) => /submitted as job/.test(l.msg) && l.jobId === meta.jobId), 'the submission line');
      assert.ok(promptLines.some((l) => l.outcome === 'completed' && l.comfyPromptId === meta.comfyPromptId), 'the completion line');
    });

    it('a failed prompt records the last lines of its job log, which explain the failure', async () => {
      const [id] = await insertPrompts(h.knex, [{ prompt_type: 'image', prompt_text: 'too big', metadata: JSON.stringify({ params: { seed: FAILING_SEED } }) }]);
      const report = await h.queue.drain();
      assert.equal(report.failed, 1);
      const row = await promptRow(h.knex, id);
      const meta = JSON.parse(String(row.artifact_metadata)) as Metadata;
      assert.ok(Array.isArray(meta.logTail) && meta.logTail.length > 0 && meta.logTail.length <= 20, JSON.stringify(meta));
      const tail = meta.logTail.join('\n');
      assert.match(tail, /started \(attempt 1/);
      assert.match(tail, /ERROR job \S+ failed: \[COMFY_EXECUTION\].*CUDA out of memory/);
      assert.match(String(meta.comfyPromptId), /^[0-9a-f-]{36}$/);
      assert.equal(meta.backend, 'fake-comfy');
      assert.ok(meta.durations, 'durations on failure too');
      const failedLine = h.log.lines.find((l) => l.jobId === meta.jobId && l.outcome === 'FAILED');
      assert.ok(failedLine, 'the failure line');
      assert.deepEqual([failedLine.level, failedLine.errorCode, failedLine.comfyPromptId], ['error', 'COMFY_EXECUTION', meta.comfyPromptId]);
      assert.ok(h.log.lines.some((l) => l.component === 'prompt-queue' && l.promptId === String(id) && l.level === 'warn' && /failed after/.test(l.msg)));
    });
  });
}
