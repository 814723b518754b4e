// Run-time limits (issue 14): the option and the manifest field, which limit applies to a job, and
// the worker stopping an attempt that runs past it: FAILED with TIMEOUT (retried while attempts
// remain), its lane free again, its temp folder gone.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { formatDuration, parseDuration, timeLimitSchema } from '../../contract/duration.js';
import type { AuditEvent } from '../../contract/job.js';
import type { Items } from '../../contract/pages.js';
import { buildPresetDefinition } from '../../bridge/presets/definition.js';
import { diffPresets } from '../../bridge/presets/diff.js';
import { canonicalJson, withoutTitles } from '../../bridge/presets/hash.js';
import type { Job, KindDefinition } from '../../plugin/core/types.js';
import { parseOptions, OptionsError } from '../../plugin/options.js';
import { runLimitOf } from '../../plugin/worker/run-limit.js';
import { DATABASES } from '../support/db.js';
import { REPO_ROOT } from '../support/files.js';
import { startTestLab, waitForStatus, type TestLab } from '../support/lab.js';
import { runningJob } from '../support/rows.js';

const authenticate = () => null;

describe('timeouts: durations, options and manifests', () => {
  it('reads durations as ms numbers or strings; 0 and null mean no limit', () => {
    assert.equal(parseDuration('30m'), 30 * 60_000);
    assert.equal(parseDuration('1.5h'), 90 * 60_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('soon'), null);
    assert.deepEqual(['45s', 1200, 0, null, '0s'].map((v) => timeLimitSchema.parse(v)), [45_000, 1200, null, null, null]);
    for (const bad of ['soon', -1, true, 3e9, Number.NaN]) assert.equal(timeLimitSchema.safeParse(bad).success, false, String(bad));
    assert.deepEqual([200, 45_000, 15 * 60_000, 2 * 3_600_000, 90 * 60_000].map(formatDuration), ['200 ms', '45 s', '15 min', '2 h', '1 h 30 min']);
  });

  it('has a default per kind, overridable per kind; a bad value names the option', () => {
    assert.deepEqual(parseOptions({ authenticate }).timeouts, {
      generate: 15 * 60_000,
      blend: 15 * 60_000,
      music: 20 * 60_000,
      voice: 20 * 60_000,
      enhance: 30 * 60_000,
      interpolate: 2 * 3_600_000,
    });
    const set = parseOptions({ authenticate, timeouts: { voice: 200, generate: '30m', interpolate: 0, enhance: null } }).timeouts;
    assert.deepEqual([set.voice, set.generate, set.interpolate, set.enhance, set.music], [200, 30 * 60_000, null, null, 20 * 60_000]);
    assert.throws(() => parseOptions({ authenticate, timeouts: { voice: 'soon' } }), (e: unknown) => e instanceof OptionsError && /option "timeouts\.voice": "soon" is not a duration/.test(e.message));
    assert.throws(() => parseOptions({ authenticate, timeouts: { vocie: 200 } as never }), /option "timeouts".*vocie/);
  });

  it('a manifest timeout is part of the preset (hashed, diffed); a preset without one keeps its hash', async () => {
    const folder = join(REPO_ROOT, 'comfy-workflows', 'txt2img');
    const manifest = JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    const workflow = JSON.parse(await readFile(join(folder, 'workflow.json'), 'utf8')) as unknown;
    const plain = buildPresetDefinition({ ...manifest, name: 'txt2img', workflow });
    const limited = buildPresetDefinition({ ...manifest, name: 'txt2img', workflow, timeout: '5m' });
    const unlimited = buildPresetDefinition({ ...manifest, name: 'txt2img', workflow, timeout: 0 });
    assert.equal('timeout' in plain.definition.manifest, false);
    assert.equal(limited.definition.manifest.timeout, 5 * 60_000);
    assert.equal(unlimited.definition.manifest.timeout, null);
    assert.equal(new Set([plain.hash, limited.hash, unlimited.hash]).size, 3, 'each limit makes its own version');
    // The hash a preset without `timeout` had before the field existed (its list order included): jobs pinned to it still run.
    const { manifest: m } = plain.definition;
    const before = { kind: m.kind, workflow: withoutTitles(plain.definition.workflow), parameters: m.parameters, derived: m.derived, outputs: m.outputs, requires: m.requires, order: m.order };
    assert.equal(plain.hash, createHash('sha256').update(canonicalJson(before)).digest('hex'));
    assert.deepEqual(diffPresets(plain.definition, limited.definition).timeout, { from: undefined, to: 5 * 60_000 });
    assert.deepEqual(diffPresets(limited.definition, unlimited.definition).timeout, { from: 5 * 60_000, to: null });
    assert.throws(() => buildPresetDefinition({ ...manifest, name: 'txt2img', workflow, timeout: 'a while' }), /timeout: "a while" is not a duration/);
  });

  it("applies the preset's limit (null: none) over the kind's, and the kind's when the preset sets none or is gone", async () => {
    const timeouts = parseOptions({ authenticate, timeouts: { generate: 200 } }).timeouts;
    const job: Job = runningJob({ workflow: 'generate' });
    const withPreset = (answer: () => Promise<{ ms: number | null; source: string } | null>): Pick<KindDefinition, 'presetTimeout'> => ({ presetTimeout: answer });
    assert.deepEqual(await runLimitOf(job, {}, timeouts), { ms: 200, source: 'timeouts.generate' });
    assert.deepEqual(await runLimitOf(job, withPreset(async () => null), timeouts), { ms: 200, source: 'timeouts.generate' });
    assert.deepEqual(await runLimitOf(job, withPreset(async () => ({ ms: null, source: 'preset "p" v1' })), timeouts), { ms: null, source: 'preset "p" v1' });
    assert.deepEqual(await runLimitOf(job, withPreset(async () => ({ ms: 50, source: 'preset "p" v2' })), timeouts), { ms: 50, source: 'preset "p" v2' });
    assert.deepEqual(
      await runLimitOf(job, withPreset(() => Promise.reject(new Error('preset "p" version 9 does not exist'))), timeouts),
      { ms: 200, source: 'timeouts.generate' },
    );
  });
});

/** Attempts of the never-ending kind, by job id: the temp folder each one wrote into. */
const attemptDirs = new Map<string, string[]>();

const hangParams = z.object({ hang: z.boolean().default(true) });

/** Writes a file into its temp folder, then (with `hang`) never finishes: it only stops when told to. */
function neverEndingKind(): KindDefinition<z.infer<typeof hangParams>> {
  return {
    kind: 'voice',
    description: 'test executor that never finishes',
    paramsSchema: hangParams,
    inputs: { min: 0, max: 0, kinds: ['audio'] },
    executor: {
      async run(ctx) {
        attemptDirs.set(ctx.job.id, [...(attemptDirs.get(ctx.job.id) ?? []), ctx.tempDir]);
        await writeFile(join(ctx.tempDir, 'partial.bin'), 'half done');
        if (!ctx.params.hang) return { summary: { hung: false } };
        await new Promise<never>((_, reject) => {
          ctx.signal.throwIfAborted();
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
        });
      },
    },
  };
}

/**
 * The temp folders the attempts wrote into are gone. (On a loaded machine an attempt may time out
 * before its executor starts: it has no folder to check then, and `tmp/` must still be empty.)
 */
async function assertRemoved(dirs: string[] = []): Promise<void> {
  for (const dir of dirs) assert.equal(await stat(dir).catch(() => null), null, `${dir} is left`);
}

for (const target of DATABASES) {
  target.describe(`timeouts: the worker stops an attempt that runs too long, on ${target.name}`, function () {
    this.timeout(30_000);
    let t: TestLab;
    before(async () => {
      t = await startTestLab({ db: await target.create(), kinds: [neverEndingKind()], timeouts: { voice: 200 }, lanes: { voice: 1 } });
    });
    after(async () => t.close());

    async function submit(body: Record<string, unknown>): Promise<string> {
      const { status, body: answer } = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'voice', ...body }) });
      assert.equal(status, 202, JSON.stringify(answer));
      return answer.id;
    }
    const events = async (id: string) => (await t.json<Items<AuditEvent>>(`/jobs/${id}/events`)).body.items;
    const tmpEntries = () => readdir(join(t.dataDir, 'artifacts', 'tmp')).catch(() => [] as string[]);

    it('fails with TIMEOUT (no attempts left), frees the lane and removes the temp folder', async () => {
      const stuck = await submit({ params: { hang: true }, maxAttempts: 1 });
      await waitForStatus(t, stuck, ['RUNNING', 'FAILED']);
      // Submitted while the only voice lane is held: it can run only once the stuck job is stopped.
      const next = await submit({ params: { hang: false } });

      const failed = await waitForStatus(t, stuck, ['FAILED', 'SUCCEEDED', 'CANCELLED']);
      assert.equal(failed.status, 'FAILED');
      assert.equal(failed.errorCode, 'TIMEOUT');
      assert.equal(failed.attempts, 1);
      assert.match(failed.errorMessage ?? '', /^Timed out after 200 ms: the attempt ran past its limit \(timeouts\.voice\)/);
      const last = (await events(stuck)).at(-1) as AuditEvent;
      assert.deepEqual([last.type, last.from, last.to], ['failed', 'RUNNING', 'FAILED']);
      assert.deepEqual(last.details.timeout, { limitMs: 200, source: 'timeouts.voice' });
      assert.equal(last.details.code, 'TIMEOUT');

      const done = await waitForStatus(t, next, ['SUCCEEDED', 'FAILED']);
      assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
      assert.ok(done.startedAt && failed.finishedAt && done.startedAt >= failed.finishedAt, 'the second job ran once the lane was free');
      const succeeded = (await events(next)).at(-1) as AuditEvent;
      assert.deepEqual(succeeded.details.timeout, { limitMs: 200, source: 'timeouts.voice' }, 'a success records the limit it ran under');

      await assertRemoved(attemptDirs.get(stuck));
      assert.deepEqual(await tmpEntries(), [], 'temp folders removed');
    });

    it('retries a timed-out attempt while attempts remain, then fails with TIMEOUT', async () => {
      const id = await submit({ params: { hang: true }, maxAttempts: 2 });
      const job = await waitForStatus(t, id, ['FAILED', 'SUCCEEDED', 'CANCELLED']);
      assert.equal(job.status, 'FAILED');
      assert.equal(job.errorCode, 'TIMEOUT');
      assert.equal(job.attempts, 2);
      const trail = await events(id);
      const settled = trail.filter((e) => e.from === 'RUNNING');
      assert.deepEqual(
        settled.map((e) => [e.type, e.to, e.details.code, e.details.attempt]),
        [
          ['retry-scheduled', 'QUEUED', 'TIMEOUT', 1],
          ['failed', 'FAILED', 'TIMEOUT', 2],
        ],
      );
      assert.equal(trail.filter((e) => e.to === 'RUNNING').length, 2, 'two attempts ran');
      for (const e of settled) assert.match(String(e.details.message), /^Timed out after 200 ms/);
      await assertRemoved(attemptDirs.get(id));
      assert.deepEqual(await tmpEntries(), [], 'temp folders removed');
    });
  });
}
