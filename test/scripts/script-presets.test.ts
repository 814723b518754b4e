// Script presets: a SaveAsScript export's options read from its text (never run), parameters
// inferred or mapped by the manifest (surviving the converter's renumbering), manifest errors
// naming the field, versions by content hash in the registry on SQLite and PostgreSQL, hot
// reload, the diff; and, where ../shared holds the extension's real exports, the runner's
// argument building and output collection against them (read in place, never copied).
import { strict as assert } from 'node:assert';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { PresetInvalidError } from '../../bridge/presets/definition.js';
import { buildScriptPresetDefinition } from '../../bridge/presets/script-definition.js';
import { readScriptSource } from '../../bridge/presets/script-source.js';
import type { JsonObject } from '../../bridge/types.js';
import { migrateLatest } from '../../plugin/db/migrate.js';
import { PresetRegistry } from '../../plugin/pipelines/comfy/preset-registry.js';
import { buildScriptArgs, createScriptRunner, findOutputs, ScriptProgress } from '../../plugin/pipelines/script/index.js';
import { outputFacts } from '../../plugin/pipelines/script/collect.js';
import { ffmpeg } from '../support/ffmpeg.js';
import { DATABASES, type TestDatabase } from '../support/db.js';
import { fakeContext } from '../support/fake-context.js';
import { tempDir } from '../support/files.js';
import { waitFor } from '../support/wait.js';
import { fixturePreset, SCRIPT_FIXTURES, SCRIPT_PRESETS, SHARED_SCRIPTS, STAND_IN_COMFYUI, strayFilesInComfyUI } from './support.js';

const scriptText = (name: string) => readFileSync(join(SCRIPT_PRESETS, name, 'script.py'), 'utf8');

function invalidFields(fn: () => unknown): Array<{ field: string; message: string }> {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof PresetInvalidError, String(error));
    return error.issues;
  }
  assert.fail('expected PresetInvalidError');
}

describe('script presets: reading the script', () => {
  it('reads every add_argument call: flags, literal defaults, types, choices, the node each sets', () => {
    const { options, workflow } = readScriptSource(scriptText('blend-script'));
    assert.deepEqual(
      options.map((o) => o.flag),
      ['--image1', '--image2', '--blend_factor3', '--blend_mode4', '--filename_prefix5', '--queue-size', '--comfyui-directory', '--output', '--disable-metadata', '--random-seed-type'],
    );
    const byFlag = Object.fromEntries(options.map((o) => [o.flag, o]));
    assert.deepEqual(byFlag['--blend_factor3'].node, { input: 'blend_factor', title: 'Blend them', id: '3' });
    assert.equal(byFlag['--blend_factor3'].default, 0.5);
    assert.deepEqual(byFlag['--queue-size'].flags, ['--queue-size', '-q']);
    assert.equal(byFlag['--queue-size'].type, 'int');
    assert.equal(byFlag['--disable-metadata'].action, 'store_true');
    assert.deepEqual(byFlag['--random-seed-type'].choices, ['random', 'fixed', 'increment', 'decement']);
    assert.equal(byFlag['--comfyui-directory'].default, null);
    assert.equal(workflow?.['3'].class_type, 'ImageBlend');
  });

  it('infers parameters from the node options when the manifest has none (file name prefixes left to the runner)', () => {
    const { definition, inferred } = buildScriptPresetDefinition({ name: 'b', script: { text: scriptText('blend-script') } });
    assert.equal(inferred, true);
    assert.equal(definition.manifest.kind, 'blend');
    assert.deepEqual(
      definition.manifest.parameters.map((p) => [p.name, p.type, p.option, p.default ?? null]),
      [
        ['image1', 'image', '--image1', null],
        ['image2', 'image', '--image2', null],
        ['blend_factor', 'number', '--blend_factor3', 0.5],
        ['blend_mode', 'string', '--blend_mode4', 'normal'],
      ],
    );
    const text = buildScriptPresetDefinition({ name: 't', script: { text: scriptText('text-width') } }).definition.manifest.parameters;
    assert.equal(text.find((p) => p.name === 'value')?.type, 'text');
  });

  it('maps manifest parameters by node input name, so a renumbered export keeps its manifest', () => {
    const manifest = JSON.parse(readFileSync(join(SCRIPT_PRESETS, 'tone/manifest.json'), 'utf8')) as JsonObject;
    const original = buildScriptPresetDefinition({ ...manifest, name: 'tone', script: { text: scriptText('tone') } });
    assert.equal(original.definition.manifest.parameters.find((p) => p.name === 'duration')?.option, '--duration1');
    const renumbered = scriptText('tone').replace('"--duration1"', '"--duration7"');
    const again = buildScriptPresetDefinition({ ...manifest, name: 'tone', script: { text: renumbered } });
    assert.equal(again.definition.manifest.parameters.find((p) => p.name === 'duration')?.option, '--duration7');
    assert.notEqual(again.hash, original.hash, 'a changed script is a new version');
    assert.equal(buildScriptPresetDefinition({ ...manifest, name: 'tone', description: 'other words', script: { text: scriptText('tone') } }).hash, original.hash);
  });

  it('names the field when a manifest parameter has no option, takes a runner-owned one, or two share one', () => {
    const text = scriptText('tone');
    const missing = invalidFields(() => buildScriptPresetDefinition({ name: 'x', parameters: { volume: { type: 'number', default: 1 } }, script: { text } }));
    assert.equal(missing[0].field, 'parameters.volume.option');
    assert.match(missing[0].message, /no option for "volume"; its options: --duration1, --sample_rate2, --channels3, --filename_prefix4/);
    const owned = invalidFields(() => buildScriptPresetDefinition({ name: 'x', parameters: { where: { type: 'string', option: '--output', default: 'a' } }, script: { text } }));
    assert.match(owned[0].message, /set by Media Lab's runner/);
    const twice = invalidFields(() =>
      buildScriptPresetDefinition({ name: 'x', parameters: { a: { type: 'number', option: '--duration1' }, b: { type: 'number', option: '--duration1' } }, script: { text } }),
    );
    assert.equal(twice[0].field, 'parameters.b.option');
    const notExport = invalidFields(() => buildScriptPresetDefinition({ name: 'x', script: { text: 'import argparse\nprint("hi")\n' } }));
    assert.equal(notExport[0].field, 'script.py');
  });

  it('builds the command line as an array: JSON-encoded values with =, -c, then ComfyUI flags and the job base after --', async () => {
    const preset = await fixturePreset('text-width');
    const args = buildScriptArgs({
      scriptPath: '/run/script.py',
      script: preset.definition.script!,
      parameters: preset.definition.manifest.parameters,
      params: { value: '12345', height: -3, batch_size: null, color: 255 },
      inputPath: () => assert.fail('no artifacts'),
      comfyuiSearchDir: '/srv/ComfyUI',
      baseDirectory: '/run/base',
      comfyArgs: ['--cpu'],
    });
    assert.deepEqual(args, ['/run/script.py', '--value1="12345"', '--height2=-3', '--color4=255', '--comfyui-directory', '/srv/ComfyUI', '--', '--cpu', '--base-directory', '/run/base']);
  });

  it('collects outputs by type from the whole output folder (subfolders too), facts from the bytes; other files are skipped', async () => {
    const dir = tempDir('media-lab-script-outputs-');
    mkdirSync(join(dir, 'sub'));
    await ffmpeg(['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10', '-t', '1', '-pix_fmt', 'yuv420p', join(dir, 'clip_00001_.mp4')]);
    await ffmpeg(['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=16000', '-t', '0.5', join(dir, 'sub/medialab_00001_.flac')]);
    await ffmpeg(['-v', 'error', '-f', 'lavfi', '-i', 'color=c=red:size=8x8', '-frames:v', '1', join(dir, 'sub/pq_00001_.png')]);
    writeFileSync(join(dir, 'notes.txt'), 'not media');
    const { outputs, skipped } = await findOutputs(dir);
    assert.deepEqual(
      outputs.map((o) => [o.name, o.kind]),
      [
        ['clip_00001_.mp4', 'video'],
        ['sub/medialab_00001_.flac', 'audio'],
        ['sub/pq_00001_.png', 'image'],
      ],
    );
    assert.deepEqual(skipped, ['notes.txt']);
    const video = await outputFacts(outputs[0]);
    assert.deepEqual([video.kind, video.width, video.height], ['video', 64, 48]);
    const audio = await outputFacts(outputs[1]);
    assert.deepEqual([audio.kind, audio.sampleRate], ['audio', 16000]);
  });

  it('reads progress from what a script prints: ComfyUI loading, samplers\' bars, saved files', () => {
    const progress = new ScriptProgress();
    assert.equal(progress.line('ComfyUI found: /srv/ComfyUI')?.stage, 'loading ComfyUI');
    assert.equal(progress.line('Could not find the extra_model_paths config file.')?.stage, 'loading nodes');
    const bar = progress.line(' 45%|████▌     | 9/20 [00:03<00:04,  2.50it/s]');
    assert.equal(bar?.stage, 'running (9/20)');
    assert.ok(Math.abs((bar?.fraction ?? 0) - (0.2 + 0.65 * 0.45)) < 1e-9);
    assert.equal(progress.line('WARNING:root:some unrelated warning'), null);
    const back = progress.line('  5%|▌         | 1/20 [00:00<00:10]');
    assert.ok((back?.fraction ?? 1) >= (bar?.fraction ?? 0), 'a second bar never moves progress back');
    assert.equal(progress.line('Saved image to /x/output.png')?.stage, 'saving');
  });

  it('refuses ComfyUI flags the runner owns in scripts.comfyArgs', () => {
    assert.throws(() => createScriptRunner({ comfyuiDirectory: '/x', comfyArgs: ['--base-directory', '/y'] }), /set by the runner/);
  });
});

for (const target of DATABASES) {
  target.describe(`script presets in the registry on ${target.name}`, function () {
    this.timeout(30_000);
    let db: TestDatabase;
    let knex: Knex;
    let registry: PresetRegistry;
    let dir: string;
    const warnings: string[] = [];

    beforeEach(async () => {
      db = await target.create();
      knex = db.open();
      await migrateLatest(knex);
      registry = new PresetRegistry(knex, { info: () => undefined, warn: (m) => warnings.push(m) });
      dir = tempDir('media-lab-script-presets-');
      cpSync(SCRIPT_PRESETS, dir, { recursive: true });
      warnings.length = 0;
    });
    afterEach(async () => {
      await registry.close();
      await knex.destroy();
      await db.drop();
    });

    it('publishes script folders beside workflow ones; a changed script is a new version with a diff; the same one is not', async () => {
      const { loaded, problems } = await registry.syncDirectory(dir, 'file');
      assert.deepEqual(problems, []);
      assert.deepEqual(loaded.map((p) => `${p.name}:${p.kind}:v${p.version}`).sort(), ['behave:generate:v1', 'blend-script:blend:v1', 'text-width:generate:v1', 'tone:music:v1']);
      const tone = await registry.get('tone');
      assert.equal(tone?.definition.script?.file, 'script.py');
      assert.equal(tone?.definition.script?.text, scriptText('tone'));
      await registry.syncDirectory(dir, 'file');
      assert.equal((await registry.versions('tone')).length, 1, 'the same script is the same version');

      const path = join(dir, 'tone/script.py');
      writeFileSync(path, readFileSync(path, 'utf8').replace('"--channels3"', '"--channels5"'));
      const v2 = await registry.reloadFolder(join(dir, 'tone'));
      assert.equal(v2?.version, 2);
      const diff = await registry.diff('tone', 1, 2);
      assert.deepEqual(diff?.diff.script?.options, { added: ['--channels5'], removed: ['--channels3'] });
      assert.notEqual(diff?.diff.script?.sha256.from, diff?.diff.script?.sha256.to);
      assert.equal((await registry.get('tone', 1))?.definition.script?.text, scriptText('tone'), 'version 1 keeps its script');
    });

    it('hot reload: a script edit makes a new version; a broken edit is reported and the working version stays', async () => {
      await registry.syncDirectory(dir, 'file');
      await registry.watch(dir, 'file');
      const path = join(dir, 'behave/script.py');
      writeFileSync(path, `${readFileSync(path, 'utf8')}\n# edited\n`);
      const v2 = await waitFor(async () => ((await registry.get('behave'))?.version === 2 ? registry.get('behave') : null), 'behave v2');
      assert.equal(v2?.definition.script?.text.endsWith('# edited\n'), true);
      // The manifest names an option the script no longer has: reported, v2 stays current.
      writeFileSync(path, readFileSync(path, 'utf8').replace('"--mode2"', '"--style2"').replace('input `mode` for', 'input `style` for'));
      const problem = await waitFor(() => registry.problems().find((p) => p.source.includes('/behave/')), 'a problem for behave');
      assert.match(problem.message, /parameters\.mode\.option: script\.py has no option for "mode"/);
      assert.equal((await registry.get('behave'))?.version, 2);
    });
  });
}

describe('script presets: the extension\'s real exports (../shared, read in place)', function () {
  this.timeout(120_000);
  const available = existsSync(join(SHARED_SCRIPTS, 'blend.py'));
  const read = (name: string) => readFileSync(join(SHARED_SCRIPTS, `${name}.py`), 'utf8');

  if (!available) {
    it('is not run: ../shared/comfyui/saveasscript is not present on this machine');
    return;
  }

  it('reads their options and embedded workflows and infers the parameters NOTES.md lists', () => {
    const expected: Record<string, string[]> = {
      blend: ['--image1', '--image2', '--blend_factor3', '--blend_mode4'],
      'text-width': ['--value1', '--height2', '--batch_size3', '--color4'],
      tone: ['--duration1', '--sample_rate2', '--channels3'],
    };
    for (const [name, options] of Object.entries(expected)) {
      const { definition } = buildScriptPresetDefinition({ name, script: { text: read(name) } });
      assert.deepEqual(definition.manifest.parameters.map((p) => p.option), options, name);
      assert.ok(Object.keys(definition.workflow).length >= 2, `${name}: PROMPT_DATA read`);
    }
    const tone = buildScriptPresetDefinition({ name: 'tone', script: { text: read('tone') } }).definition;
    assert.equal(tone.manifest.kind, 'music');
  });

  it('runs them through the executor (a torch stand-in on PYTHONPATH, the stand-in ComfyUI): arguments accepted, image and SaveAudio outputs collected', async () => {
    const runner = createScriptRunner({
      python: 'python3',
      comfyuiDirectory: STAND_IN_COMFYUI,
      comfyArgs: ['--cpu'],
      env: { PYTHONPATH: join(SCRIPT_FIXTURES, 'python-stand-ins') },
    });
    assert.equal((await runner.start()).available, true);
    const cases: Array<[string, JsonObject, string, number | null]> = [
      ['text-width', { value: 'hello, world' }, 'image', 12],
      ['text-width', { value: '12345' }, 'image', 5],
      ['tone', { duration: 1, sample_rate: 8000 }, 'audio', null],
    ];
    for (const [name, params, kind, width] of cases) {
      const built = buildScriptPresetDefinition({ name, script: { text: read(name) } });
      const preset = { id: name, name, version: 1, hash: built.hash, kind: built.definition.manifest.kind, source: 'file' as const, createdAt: '', definition: built.definition };
      const run = fakeContext<JsonObject>({ params });
      try {
        await runner.executor.run(run.ctx, preset);
        assert.equal(run.outputs.length, 1, `${name} ${JSON.stringify(params)}`);
        assert.equal(run.outputs[0].artifact.kind, kind);
        if (width !== null) assert.equal(run.outputs[0].artifact.width, width);
      } finally {
        await run.cleanup();
      }
    }
    assert.deepEqual(strayFilesInComfyUI(), []);
  });
});
