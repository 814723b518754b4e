// The script executor against the stand-in ComfyUI folder with a real python3: arguments and
// values as the scripts read them, outputs by type with lineage and metadata, failure with the
// output tail, huge output, no output, cancel and timeout of the whole process group (a forked
// child included), two jobs at once, the concurrency limit, and an unavailable Python.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { stopJob } from '../../contract/stop.js';
import { MediaLabError } from '../../plugin/core/errors.js';
import type { JsonObject, ProgressUpdate } from '../../plugin/core/types.js';
import { createScriptRunner, liveScriptGroups, SCRIPT_LOG_LINES, SCRIPT_TAIL_LINES, type ScriptRunner } from '../../plugin/pipelines/script/index.js';
import { fakeContext, type FakeContextOptions, type FakeRun } from '../support/fake-context.js';
import { tempDir } from '../support/files.js';
import { waitFor } from '../support/wait.js';
import { artifactFrom } from '../support/rows.js';
import { fixturePreset, processAlive, STAND_IN_COMFYUI, strayFilesInComfyUI } from './support.js';

function isCode(code: string, transient?: boolean) {
  return (error: unknown) => {
    assert.ok(error instanceof MediaLabError, `expected a MediaLabError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (transient !== undefined) assert.equal(error.transient, transient);
    return true;
  };
}

/** Resolves with the first progress update `accept` takes (the context's progress is wrapped). */
function progressWhere(run: FakeRun, accept: (u: ProgressUpdate) => boolean): Promise<ProgressUpdate> {
  return new Promise((resolve) => {
    const original = run.ctx.progress;
    run.ctx.progress = (update) => {
      original(update);
      if (accept(update)) resolve(update);
    };
  });
}

async function solidPng(dir: string, name: string, rgb: [number, number, number]): Promise<string> {
  const path = join(dir, name);
  await sharp({ create: { width: 4, height: 3, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toFile(path);
  return path;
}

describe('script executor (stand-in ComfyUI, python3)', function () {
  this.timeout(60_000);
  let runner: ScriptRunner;
  const runs: FakeRun[] = [];
  const scratch = tempDir('media-lab-script-test-');
  const pidFile = join(scratch, 'pids.txt');

  function context(params: JsonObject, extra: Omit<FakeContextOptions<JsonObject>, 'params'> = {}): FakeRun {
    const run = fakeContext<JsonObject>({ params, ...extra });
    runs.push(run);
    return run;
  }

  before(async () => {
    runner = createScriptRunner({
      python: 'python3',
      comfyuiDirectory: STAND_IN_COMFYUI,
      comfyArgs: ['--cpu'],
      env: { MEDIA_LAB_TEST_PIDFILE: pidFile },
      concurrency: 2,
      killGraceMs: 500,
    });
    const check = await runner.start();
    assert.equal(check.available, true, check.reason);
  });

  after(async () => {
    for (const run of runs) await run.cleanup();
    assert.equal(liveScriptGroups(), 0, 'every script process group was reaped');
    // Nothing a run did stays in ComfyUI's own folders (outputs, inputs, user/, bytecode).
    assert.deepEqual(strayFilesInComfyUI(), []);
  });

  it('blends two input artifacts passed as absolute paths; the output carries lineage and the script facts', async () => {
    const red = artifactFrom(await solidPng(scratch, 'red.png', [255, 0, 0]), scratch);
    const green = artifactFrom(await solidPng(scratch, 'green.png', [0, 255, 0]), scratch);
    const preset = await fixturePreset('blend-script');
    const run = context({ image1: red.artifact.id, image2: green.artifact.id, blend_factor: 0.25 }, { inputs: [red, green] });
    const stages: string[] = [];
    const original = run.ctx.progress;
    run.ctx.progress = (u) => {
      original(u);
      if (u.stage && !stages.includes(u.stage)) stages.push(u.stage);
    };
    const result = await runner.executor.run(run.ctx, preset);
    assert.equal(run.outputs.length, 1);
    const [out] = run.outputs;
    assert.equal(out.artifact.kind, 'image');
    assert.deepEqual(out.artifact.parentIds.sort(), [red.artifact.id, green.artifact.id].sort());
    const { data } = await sharp(out.path).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([...data.subarray(0, 3)], [191, 63, 0], 'red blended with green at 0.25');
    const script = out.artifact.metadata.script as JsonObject;
    assert.equal(script.name, 'blend-script');
    assert.equal(script.version, 1);
    assert.equal(script.hash, preset.hash);
    assert.equal(script.exitCode, 0);
    assert.equal(typeof script.durationMs, 'number');
    assert.equal(script.output, 'medialab_00001_.png');
    for (const stage of ['starting', 'loading ComfyUI', 'collecting', 'done']) assert.ok(stages.includes(stage), `stage ${stage} in ${stages.join(', ')}`);
    assert.equal(((result.summary as JsonObject).script as JsonObject).exitCode, 0);
  });

  it('passes text so that json.loads keeps it text ("12345", "true", a JSON list, non-ASCII)', async () => {
    const preset = await fixturePreset('text-width');
    for (const [value, width] of [
      ['12345', 5],
      ['true', 4],
      ['[1, 2, 3]', 9],
      ['naïve 日本', 8],
      ['-starts with a dash', 19],
    ] as const) {
      const run = context({ value });
      await runner.executor.run(run.ctx, preset);
      assert.equal(run.outputs.length, 1, value);
      assert.equal(run.outputs[0].artifact.width, width, `width for ${JSON.stringify(value)}`);
    }
  });

  it('finds SaveAudio outputs (which ignore --output) in the job\'s own output folder', async () => {
    const preset = await fixturePreset('tone');
    const run = context({ duration: 1.5, sample_rate: 8000 });
    await runner.executor.run(run.ctx, preset);
    assert.equal(run.outputs.length, 1);
    assert.equal(run.outputs[0].artifact.kind, 'audio');
    assert.equal(run.outputs[0].artifact.sampleRate, 8000);
    assert.ok(Math.abs((run.outputs[0].artifact.duration ?? 0) - 1.5) < 0.01);
  });

  it('a failing script ends SCRIPT_FAILED with its exit code and the last lines of its output', async () => {
    const run = context({ mode: 'fail' });
    await assert.rejects(runner.executor.run(run.ctx, await fixturePreset('behave')), (error: unknown) => {
      isCode('SCRIPT_FAILED', false)(error);
      const message = (error as Error).message;
      assert.match(message, /exited with code 1: RuntimeError: TestBehaviour was told to fail/);
      assert.match(message, /--- last \d+ output lines ---\n[\s\S]*Traceback/);
      return true;
    });
    assert.equal(run.outputs.length, 0);
    assert.ok(run.logs.some((l) => /TestBehaviour was told to fail/.test(l)), 'the traceback is in the job log');
  });

  it('huge output on stdout: read line by line, the job log and the tail stay bounded', async () => {
    const run = context({ mode: 'spew', lines: 150_000 });
    const result = await runner.executor.run(run.ctx, await fixturePreset('behave'));
    const script = (result.summary as JsonObject).script as JsonObject;
    assert.ok((script.outputLines as number) >= 150_000);
    const tail = script.outputTail as string[];
    assert.equal(tail.length, SCRIPT_TAIL_LINES);
    assert.ok(tail.some((l) => l.startsWith('spew line 149999 ')), 'the last spewed line is in the tail');
    assert.ok(run.logs.length < SCRIPT_LOG_LINES + 20, `${run.logs.length} log lines`);
    assert.equal(run.outputs.length, 1);
  });

  it('a script that writes nothing fails SCRIPT_FAILED saying so', async () => {
    const run = context({ mode: 'nothing' });
    await assert.rejects(runner.executor.run(run.ctx, await fixturePreset('behave')), (error: unknown) => {
      isCode('SCRIPT_FAILED')(error);
      assert.match((error as Error).message, /exited with code 0 but wrote no image, audio or video file/);
      return true;
    });
  });

  for (const reason of ['cancelled', 'timeout'] as const) {
    it(`${reason === 'cancelled' ? 'cancel' : 'timeout'} kills the whole process group, a forked child that hangs included, and leaves no files`, async () => {
      rmSync(pidFile, { force: true });
      const run = context({ mode: 'fork', seconds: 60 });
      const running = runner.executor.run(run.ctx, await fixturePreset('behave'));
      await progressWhere(run, (u) => /^running \(\d+\/10\)/.test(u.stage ?? ''));
      const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
      assert.ok(pids.length >= 2 && pids.every(processAlive), 'the script and its child run');
      stopJob(run.controller, reason);
      await assert.rejects(running, (error: unknown) => (error as Error).name === 'AbortError');
      assert.deepEqual(pids.filter(processAlive), [], 'no process of the group is left');
      assert.equal(existsSync(join(run.ctx.tempDir, 'script-run')), false, 'the run folder is gone');
      assert.equal(run.outputs.length, 0);
    });
  }

  it('a script that exits leaving a forked child running: the job succeeds and the child is killed with its group', async () => {
    rmSync(pidFile, { force: true });
    const run = context({ mode: 'orphan' });
    await runner.executor.run(run.ctx, await fixturePreset('behave'));
    assert.equal(run.outputs.length, 1);
    const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    assert.equal(pids.length, 2, 'the script and its child wrote their pids');
    await waitFor(() => pids.every((pid) => !processAlive(pid)), 'the orphan to be gone', 5_000);
  });

  it('two jobs at once never mix outputs (same file name, each in its own folder)', async () => {
    const preset = await fixturePreset('behave');
    const a = context({ mode: 'sleep', seconds: 0.5 });
    const b = context({ mode: 'sleep', seconds: 0.5, lines: 3 });
    await Promise.all([runner.executor.run(a.ctx, preset), runner.executor.run(b.ctx, preset)]);
    assert.equal(a.outputs.length, 1);
    assert.equal(b.outputs.length, 1);
    assert.equal((a.outputs[0].artifact.metadata.script as JsonObject).output, 'behave_00001_.png');
    assert.equal((b.outputs[0].artifact.metadata.script as JsonObject).output, 'behave_00001_.png');
    assert.notEqual(a.outputs[0].path, b.outputs[0].path);
  });

  it('runs at most `concurrency` scripts at once; the next waits for a slot', async () => {
    const single = createScriptRunner({ python: 'python3', comfyuiDirectory: STAND_IN_COMFYUI, concurrency: 1, killGraceMs: 500 });
    await single.start();
    const preset = await fixturePreset('behave');
    const first = context({ mode: 'sleep', seconds: 1 });
    const second = context({ mode: 'ok' });
    const firstRun = single.executor.run(first.ctx, preset);
    await progressWhere(first, (u) => (u.stage ?? '').startsWith('running'));
    const waiting = progressWhere(second, (u) => (u.stage ?? '').startsWith('waiting for a script slot'));
    const secondRun = single.executor.run(second.ctx, preset);
    await waiting;
    assert.equal(single.slots.busy, 1);
    assert.equal(second.outputs.length, 0);
    await Promise.all([firstRun, secondRun]);
    assert.equal(second.outputs.length, 1);
    assert.equal(single.slots.busy, 0);
  });

  it('a job cancelled while waiting for a slot leaves the line', async () => {
    const single = createScriptRunner({ python: 'python3', comfyuiDirectory: STAND_IN_COMFYUI, concurrency: 1, killGraceMs: 500 });
    await single.start();
    const preset = await fixturePreset('behave');
    const first = context({ mode: 'sleep', seconds: 0.5 });
    const second = context({ mode: 'ok' });
    const firstRun = single.executor.run(first.ctx, preset);
    await progressWhere(first, (u) => (u.stage ?? '').startsWith('running'));
    const waiting = progressWhere(second, (u) => (u.stage ?? '').startsWith('waiting'));
    const secondRun = single.executor.run(second.ctx, preset);
    await waiting;
    stopJob(second.controller, 'cancelled');
    await assert.rejects(secondRun, (error: unknown) => (error as Error).name === 'AbortError');
    assert.equal(single.slots.queued, 0);
    await firstRun;
  });

  it('an unavailable Python: the check says why and what to do; jobs fail EXECUTOR_UNAVAILABLE', async () => {
    const broken = createScriptRunner({ python: join(scratch, 'no-such-python'), comfyuiDirectory: STAND_IN_COMFYUI });
    const check = await broken.start();
    assert.equal(check.available, false);
    assert.match(check.reason ?? '', /no-such-python" was not found/);
    assert.match(check.fix ?? '', /scripts\.python/);
    const run = context({});
    await assert.rejects(broken.executor.run(run.ctx, await fixturePreset('behave')), isCode('EXECUTOR_UNAVAILABLE'));
  });

  it('a missing or wrong ComfyUI folder makes script presets unavailable, never a crash', async () => {
    const missing = await createScriptRunner({ comfyuiDirectory: join(scratch, 'nope') }).start();
    assert.match(missing.reason ?? '', /does not exist/);
    const notComfy = await createScriptRunner({ comfyuiDirectory: scratch }).start();
    assert.match(notComfy.reason ?? '', /no nodes\.py/);
    const unset = await createScriptRunner(undefined).start();
    assert.match(unset.reason ?? '', /not configured/);
  });

  it('a ComfyUI folder under another name is reached through a link named ComfyUI', async () => {
    const { symlinkSync } = await import('node:fs');
    const alias = join(scratch, 'comfy-install');
    symlinkSync(STAND_IN_COMFYUI, alias);
    const aliased = createScriptRunner({ comfyuiDirectory: alias });
    const check = await aliased.start();
    assert.equal(check.available, true);
    assert.equal(check.linked, true);
    const run = context({ mode: 'ok' });
    await aliased.executor.run(run.ctx, await fixturePreset('behave'));
    assert.equal(run.outputs.length, 1);
    assert.deepEqual(readdirSync(alias).includes('nodes.py'), true);
  });
});
