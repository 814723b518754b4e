// The CLI's config file: the createMediaLab and prompt-queue schemas, strict at every depth,
// errors naming the key path; relative paths from the file's folder; precedence
// flag > environment > file > default.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigFileError, configProblems, loadConfigFile } from '../../plugin/cli/config-file.js';
import { parseArgs } from '../../plugin/cli/args.js';
import { labOptionsOf, settingsOf } from '../../plugin/cli/settings.js';
import { promptQueueOptionsFromArgs } from '../../plugin/cli/commands/prompt-queue-args.js';
import { parseOptions } from '../../plugin/options.js';

const EXAMPLE = {
  dataDir: 'data',
  database: 'data/lab.sqlite',
  host: '127.0.0.1',
  port: 6700,
  comfy: {
    backends: [
      { name: 'gpu', url: 'http://gpu:8188' },
      { name: 'cloud', url: 'http://cloud:8188', burst: true, weight: 2, headers: { Authorization: 'Bearer x' } },
    ],
    presetsDir: 'presets',
  },
  lanes: { enhance: 2 },
  quotas: { maxActiveJobsPerUser: 5 },
  lease: { durationMs: 60000, heartbeatMs: 15000 },
  retry: { maxAttempts: 5 },
  retention: { olderThan: '30d', scope: 'lab', every: '6h' },
  promptQueue: { enabled: true, mediaRoot: 'media', presets: { image: 'sdxl' }, table: 'prompts' },
};

function writeConfig(value: unknown): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'media-lab-config-'));
  const file = join(dir, 'media-lab.config.json');
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return { dir, file };
}

const ENV = ['COMFYUI_URL', 'MEDIA_LAB_DB', 'MEDIA_LAB_DATA_DIR', 'DATA_DIR', 'MEDIA_LAB_MEDIA_ROOT', 'MEDIA_LAB_PRESETS_DIR', 'MEDIA_LAB_CONFIG'];

describe('config file (--config)', () => {
  const saved = new Map(ENV.map((n) => [n, process.env[n]]));
  beforeEach(() => ENV.forEach((n) => delete process.env[n]));
  after(() => saved.forEach((v, n) => (v === undefined ? delete process.env[n] : (process.env[n] = v))));

  it('accepts the README example, and its lab part passes createMediaLab\'s own parse', () => {
    assert.deepEqual(configProblems(EXAMPLE), []);
    const { file } = writeConfig(EXAMPLE);
    const options = parseOptions({ ...labOptionsOf(parseArgs(['serve', '--config', file])), authenticate: () => null });
    assert.equal(options.lanes.enhance, 2);
    assert.equal(options.lease.durationMs, 60000);
    assert.deepEqual(options.retention, { olderThan: '30d', scope: 'lab', every: '6h', dryRun: false });
  });

  it('takes the scripts option: its paths relative to the file, a bare python name left for PATH, unknown keys named', () => {
    const { dir, file } = writeConfig({ scripts: { python: 'venv/bin/python', comfyuiDirectory: 'ComfyUI', comfyArgs: ['--cpu'], concurrency: 2 } });
    const options = labOptionsOf(parseArgs(['serve', '--config', file]));
    assert.deepEqual(options.scripts, { python: join(dir, 'venv/bin/python'), comfyuiDirectory: join(dir, 'ComfyUI'), comfyArgs: ['--cpu'], concurrency: 2 });
    const bare = writeConfig({ scripts: { python: 'python3.12' } });
    assert.equal((labOptionsOf(parseArgs(['serve', '--config', bare.file])).scripts as { python: string }).python, 'python3.12');
    assert.deepEqual(configProblems({ scripts: { pyhton: 'x' } }), ['scripts.pyhton: unknown key']);
  });

  it('reads the chains folder and the pipelines\' model and cache paths relative to the file; absolute paths stay', () => {
    const { dir, file } = writeConfig({
      chains: { dir: 'chains', watch: true },
      enhance: { modelCacheDir: 'cache/models', customModels: [{ name: 'face', file: 'models/face.onnx' }, { name: 'abs', file: '/opt/models/abs.onnx' }] },
      interpolate: { model: { file: 'models/rife.onnx', name: 'rife' } },
    });
    const options = labOptionsOf(parseArgs(['serve', '--config', file]));
    assert.deepEqual(options.chains, { dir: join(dir, 'chains'), watch: true });
    assert.deepEqual(options.enhance, {
      modelCacheDir: join(dir, 'cache/models'),
      customModels: [{ name: 'face', file: join(dir, 'models/face.onnx') }, { name: 'abs', file: '/opt/models/abs.onnx' }],
    });
    assert.deepEqual(options.interpolate, { model: { file: join(dir, 'models/rife.onnx'), name: 'rife' } });
  });

  it('names the key path of every problem, unknown keys at any depth included', () => {
    const problems = configProblems({
      lanes: { enhance: 'two', enahnce: 2 },
      comfy: { backends: [{ name: 'a', url: 'http://a:1', wieght: 2 }] },
      promptQueue: { presets: { video: 'x' } },
      retention: { olderThan: 'a month' },
      authenticate: 'no functions in JSON',
      prot: 6700,
    });
    assert.deepEqual(
      problems.filter((p) => p.endsWith('unknown key')),
      ['lanes.enahnce: unknown key', 'comfy.backends.0.wieght: unknown key', 'promptQueue.presets.video: unknown key', 'authenticate: unknown key', 'prot: unknown key'],
    );
    assert.ok(problems.some((p) => /^lanes\.enhance: .*expected number/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /^retention\.olderThan: expected a duration/.test(p)), problems.join('\n'));
  });

  it('a file that is not JSON or cannot be read is a ConfigFileError naming the file', () => {
    const { file } = writeConfig('{ "lanes": ');
    assert.throws(() => loadConfigFile(file), (e: unknown) => e instanceof ConfigFileError && e.message.startsWith(`config file ${file}: not valid JSON`));
    assert.throws(() => loadConfigFile(join(file, 'missing.json')), (e: unknown) => e instanceof ConfigFileError && /cannot read it/.test(e.message));
  });

  it('reads paths relative to the file\'s folder, and flag > environment > file > default', () => {
    const { dir, file } = writeConfig(EXAMPLE);
    const fromFile = settingsOf(parseArgs(['serve', '--config', file]));
    assert.equal(fromFile.dataDir, join(dir, 'data'));
    assert.equal(fromFile.db, join(dir, 'data/lab.sqlite'));
    assert.equal(fromFile.presetsDir, join(dir, 'presets'));
    assert.deepEqual(fromFile.comfy.map((b) => b.name), ['gpu', 'cloud']);
    assert.equal(promptQueueOptionsFromArgs(parseArgs(['prompt-queue', '--config', file])).mediaRoot, join(dir, 'media'));
    assert.deepEqual(promptQueueOptionsFromArgs(parseArgs(['prompt-queue', '--config', file, '--preset', 'music=song'])).presets, { image: 'sdxl', music: 'song' });

    process.env.MEDIA_LAB_DB = '/env/lab.sqlite';
    process.env.COMFYUI_URL = 'http://env:8188#burst';
    process.env.MEDIA_LAB_CONFIG = file;
    const fromEnv = settingsOf(parseArgs(['serve']));
    assert.equal(fromEnv.db, '/env/lab.sqlite');
    assert.deepEqual(fromEnv.comfy, [{ name: 'comfy-1', url: 'http://env:8188', weight: 1, burst: true }]);
    assert.equal(fromEnv.dataDir, join(dir, 'data'));

    const fromFlags = settingsOf(parseArgs(['serve', '--db', 'flag.sqlite', '--comfy', 'http://flag:1', '--presets-dir', 'p', '--data-dir', 'd']));
    assert.equal(fromFlags.db, 'flag.sqlite');
    assert.deepEqual(fromFlags.comfy.map((b) => b.url), ['http://flag:1']);
    assert.equal(fromFlags.presetsDir, resolve('p'));
    assert.equal(fromFlags.dataDir, resolve('d'));

    delete process.env.MEDIA_LAB_CONFIG;
    delete process.env.MEDIA_LAB_DB;
    delete process.env.COMFYUI_URL;
    const defaults = settingsOf(parseArgs(['serve']));
    assert.equal(defaults.dataDir, resolve('./data'));
    assert.equal(defaults.db, resolve('./data/media-lab.sqlite'));
    assert.deepEqual(defaults.comfy, []);
  });
});
