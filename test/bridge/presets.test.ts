// Presets: inference from exported workflows, MediaLab markers, compilation (bypass, derived
// inputs, rewrite, outputs), hashing, diffs, manifest errors, parameter checks.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeCatalog } from '../../bridge/client/object-info.js';
import { compilePrompt } from '../../bridge/presets/compile.js';
import { buildPresetDefinition, PresetInvalidError } from '../../bridge/presets/definition.js';
import { diffPresets } from '../../bridge/presets/diff.js';
import { compileExpression } from '../../bridge/presets/expression.js';
import { presetHash } from '../../bridge/presets/hash.js';
import { inferKind, inferParameters } from '../../bridge/presets/infer.js';
import { parametersJsonSchema, resolveParams, SEED_LIMIT } from '../../bridge/presets/params.js';
import { checkAgainstCatalog } from '../../bridge/presets/validate.js';
import type { ApiWorkflow, ParameterSpec } from '../../bridge/types.js';
import { FakeObjectInfo } from '../fake-comfy/object-info.js';
import { REPO_ROOT } from '../support/files.js';

function shipped(name: string): { workflow: ApiWorkflow; manifest: { name: unknown } & Record<string, unknown> } {
  const dir = join(REPO_ROOT, 'comfy-workflows', name);
  return {
    workflow: JSON.parse(readFileSync(join(dir, 'workflow.json'), 'utf8')) as ApiWorkflow,
    manifest: JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { name: unknown } & Record<string, unknown>,
  };
}

function byName(specs: ParameterSpec[]): Record<string, ParameterSpec> {
  return Object.fromEntries(specs.map((s) => [s.name, s]));
}

const MARKED: ApiWorkflow = {
  '1': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sd_xl_base_1.0.safetensors' } },
  '2': { class_type: 'MediaLabText', inputs: { name: 'prompt', value: 'a knight', description: 'What to draw' } },
  '3': { class_type: 'CLIPTextEncode', inputs: { text: ['2', 0], clip: ['1', 1] } },
  '4': { class_type: 'CLIPTextEncode', inputs: { text: 'ugly', clip: ['1', 1] } },
  '5': { class_type: 'LoadImage', inputs: { image: 'example.png' } },
  '6': { class_type: 'MediaLabImage', inputs: { name: 'ref', image: ['5', 0] } },
  '7': { class_type: 'VAEEncode', inputs: { pixels: ['6', 0], vae: ['1', 2] } },
  '8': { class_type: 'MediaLabSeed', inputs: { name: 'seed', seed: 7 } },
  '9': { class_type: 'MediaLabNumber', inputs: { name: 'strength', value: 0.5, min: 0.1, max: 0.9, step: 0.05 } },
  '10': {
    class_type: 'KSampler',
    inputs: { model: ['1', 0], seed: ['8', 0], steps: 20, cfg: 7, sampler_name: 'euler', scheduler: 'normal', positive: ['3', 0], negative: ['4', 0], latent_image: ['7', 0], denoise: ['9', 0] },
  },
  '11': { class_type: 'VAEDecode', inputs: { samples: ['10', 0], vae: ['1', 2] } },
  '12': { class_type: 'MediaLabOutput', inputs: { name: 'result', images: ['11', 0] } },
};

describe('presets: inference', () => {
  it('infers typed parameters with the exported values as defaults (txt2img)', () => {
    const { workflow } = shipped('txt2img');
    const params = byName(inferParameters(workflow));
    assert.deepEqual(Object.keys(params), ['checkpoint', 'lora', 'lora_strength', 'prompt', 'negative_prompt', 'width', 'height', 'batch_size', 'seed', 'steps', 'cfg']);
    assert.equal(params.prompt.type, 'text');
    assert.equal(params.prompt.default, workflow['3'].inputs.text);
    assert.equal(params.negative_prompt.default, 'blurry, low quality, watermark, text');
    assert.deepEqual([params.seed.type, params.seed.randomize, params.seed.default], ['seed', true, 156680208700286]);
    assert.deepEqual([params.steps.type, params.steps.default, params.steps.min, params.steps.max], ['integer', 25, 1, 150]);
    assert.deepEqual([params.cfg.type, params.cfg.default], ['number', 7]);
    assert.deepEqual([params.width.type, params.width.default, params.width.step], ['integer', 1024, 8]);
    assert.deepEqual(params.lora.bypassWhenEmpty, [{ node: '2', passthrough: { '0': 'model', '1': 'clip' } }]);
    assert.deepEqual(params.lora_strength.targets, [
      { node: '2', input: 'strength_model' },
      { node: '2', input: 'strength_clip' },
    ]);
    assert.equal(params.denoise, undefined, 'denoise only matters with an input image');
    assert.equal(inferKind(workflow), 'generate');
  });

  it('names image inputs from node titles and keeps denoise for img2img', () => {
    const params = byName(inferParameters(shipped('img2img').workflow));
    assert.deepEqual([params.reference.type, params.reference_2.type], ['image', 'image']);
    assert.equal(params.reference.default, undefined);
    assert.equal(params.denoise.default, 0.6);
  });

  it('infers kinds and the audio parameters of the music and voice workflows', () => {
    assert.equal(inferKind(shipped('pixel-blend').workflow), 'blend');
    assert.equal(inferKind(shipped('music').workflow), 'music');
    assert.equal(inferKind(shipped('voice').workflow), 'voice');
    const music = byName(inferParameters(shipped('music').workflow));
    assert.deepEqual(Object.keys(music), ['checkpoint', 'duration', 'tags', 'lyrics', 'lyrics_strength', 'seed', 'steps', 'cfg']);
    assert.deepEqual(music.duration.targets, [{ node: '2', input: 'seconds' }]);
    const voice = byName(inferParameters(shipped('voice').workflow));
    assert.deepEqual(Object.keys(voice), ['voice_sample', 'text', 'reference_text', 'seed', 'speed']);
    assert.equal(voice.voice_sample.type, 'audio');
  });

  it('with MediaLab markers, takes exactly the marked parameters with their names and bounds', () => {
    const params = inferParameters(MARKED);
    assert.deepEqual(
      params.map((p) => [p.name, p.type]),
      [
        ['prompt', 'text'],
        ['ref', 'image'],
        ['seed', 'seed'],
        ['strength', 'number'],
      ],
    );
    const p = byName(params);
    assert.equal(p.prompt.description, 'What to draw');
    assert.deepEqual(p.ref.targets, [{ node: '5', input: 'image' }]);
    assert.deepEqual([p.strength.min, p.strength.max, p.strength.step, p.strength.default], [0.1, 0.9, 0.05, 0.5]);
  });
});

describe('presets: compile', () => {
  it('rewrites MediaLab markers to core nodes, so the server needs no custom package', () => {
    const built = buildPresetDefinition({ name: 'marked', kind: 'generate', workflow: MARKED });
    assert.deepEqual(built.definition.manifest.outputs, ['12']);
    const { params } = resolveParams(built.definition.manifest.parameters, { prompt: 'a dragon', ref: 'art-1', seed: 99, strength: 0.7 });
    const compiled = compilePrompt({ definition: built.definition, params, files: { ref: 'medialab_abc.png' }, outputFolder: 'medialab/job-1' });
    const { prompt } = compiled;
    assert.ok(Object.values(prompt).every((n) => !n.class_type.startsWith('MediaLab')));
    assert.equal(prompt['3'].inputs.text, 'a dragon');
    assert.equal(prompt['10'].inputs.seed, 99);
    assert.equal(prompt['10'].inputs.denoise, 0.7);
    assert.deepEqual(prompt['7'].inputs.pixels, ['5', 0]);
    assert.equal(prompt['5'].inputs.image, 'medialab_abc.png');
    assert.deepEqual(prompt['12'], { class_type: 'SaveImage', inputs: { images: ['11', 0], filename_prefix: 'medialab/job-1/out12' }, _meta: undefined });
    assert.deepEqual(compiled.outputNodes, ['12']);
    assert.equal(compiled.parameterAt('10', 'denoise'), 'strength');
    assert.equal(compiled.parameterAt('3', 'text'), 'prompt');
    assert.deepEqual(compiled.models, ['sd_xl_base_1.0.safetensors']);
  });

  it('bypasses an optional LoRA when empty and uses it when given', () => {
    const { workflow, manifest } = shipped('txt2img');
    const built = buildPresetDefinition({ ...manifest, workflow });
    const without = compilePrompt({ definition: built.definition, params: resolveParams(built.definition.manifest.parameters, { seed: 1 }).params, outputFolder: 'm/j' });
    assert.equal(without.prompt['2'], undefined);
    assert.deepEqual(without.prompt['6'].inputs.model, ['1', 0]);
    assert.deepEqual(without.prompt['3'].inputs.clip, ['1', 1]);
    const withLora = compilePrompt({
      definition: built.definition,
      params: resolveParams(built.definition.manifest.parameters, { seed: 1, lora: 'watercolor_style.safetensors', lora_strength: 0.5 }).params,
      outputFolder: 'm/j',
    });
    assert.equal(withLora.prompt['2'].inputs.lora_name, 'watercolor_style.safetensors');
    assert.deepEqual([withLora.prompt['2'].inputs.strength_model, withLora.prompt['2'].inputs.strength_clip], [0.5, 0.5]);
    assert.deepEqual(withLora.prompt['6'].inputs.model, ['2', 0]);
    assert.deepEqual(withLora.models.sort(), ['sd_xl_base_1.0.safetensors', 'watercolor_style.safetensors']);
    assert.deepEqual(
      withLora.modelLoaders.map((l) => [l.name, l.classType, l.input]).sort(),
      [
        ['sd_xl_base_1.0.safetensors', 'CheckpointLoaderSimple', 'ckpt_name'],
        ['watercolor_style.safetensors', 'LoraLoader', 'lora_name'],
      ],
      'lineage tells the checkpoint from the LoRA by the loader that reads it',
    );
    assert.deepEqual(without.modelLoaders.map((l) => l.classType), ['CheckpointLoaderSimple'], 'a bypassed LoRA loader loads nothing');
    assert.equal(withLora.prompt['8'].inputs.filename_prefix, 'm/j/out8');
  });

  it('computes normalised blend weights and drops the branches of missing images', () => {
    const { workflow, manifest } = shipped('pixel-blend');
    const { definition } = buildPresetDefinition({ ...manifest, workflow });
    const compile = (input: Record<string, unknown>) => {
      const { params, issues } = resolveParams(definition.manifest.parameters, input);
      assert.deepEqual(issues, []);
      const files = Object.fromEntries(['image_1', 'image_2', 'image_3', 'image_4'].filter((k) => input[k]).map((k) => [k, `${k}.png`]));
      return compilePrompt({ definition, params, files, outputFolder: 'm/j' }).prompt;
    };
    const two = compile({ image_1: 'a', image_2: 'b', weight_1: 1, weight_2: 3 });
    assert.equal(two['5'].inputs.blend_factor, 0.75);
    assert.deepEqual(Object.keys(two).sort(), ['1', '2', '5', '8', '9']);
    assert.deepEqual(two['8'].inputs.image, ['5', 0]);
    const three = compile({ image_1: 'a', image_2: 'b', image_3: 'c', weight_3: 2, mode: 'screen' });
    assert.equal(three['5'].inputs.blend_factor, 0.5);
    assert.equal(three['6'].inputs.blend_factor, 0.5);
    assert.equal(three['6'].inputs.blend_mode, 'screen');
    assert.equal(three['7'], undefined);
    assert.deepEqual(three['8'].inputs.image, ['6', 0]);
    const four = compile({ image_1: 'a', image_2: 'b', image_3: 'c', image_4: 'd' });
    assert.equal(four['7'].inputs.blend_factor, 0.25);
    assert.equal(four['4'].inputs.image, 'image_4.png');
  });

  it('refuses a missing required image naming params.<name>', () => {
    const { workflow, manifest } = shipped('pixel-blend');
    const { definition } = buildPresetDefinition({ ...manifest, workflow });
    const { issues } = resolveParams(definition.manifest.parameters, { image_1: 'a' });
    assert.deepEqual(issues, [{ field: 'params.image_2', message: 'is required (image)' }]);
  });
});

describe('presets: definitions, hashes, diffs', () => {
  it('hashes content, not names, descriptions or editor titles', () => {
    const { workflow, manifest } = shipped('voice');
    const a = buildPresetDefinition({ ...manifest, workflow });
    const b = buildPresetDefinition({ ...manifest, name: 'voice-copy', description: 'other words', workflow });
    assert.equal(a.hash, b.hash);
    const retitled = structuredClone(workflow);
    retitled['2']._meta = { title: 'TTS' };
    assert.equal(buildPresetDefinition({ ...manifest, workflow: retitled }).hash, a.hash);
    const changed = structuredClone(workflow);
    changed['2'].inputs.vocoder = 'vocos';
    assert.notEqual(buildPresetDefinition({ ...manifest, workflow: changed }).hash, a.hash);
    assert.equal(presetHash(a.definition), a.hash);
    assert.match(a.hash, /^[0-9a-f]{64}$/);
  });

  it('diffs parameters and nodes between versions', () => {
    const { workflow } = shipped('txt2img');
    const v1 = buildPresetDefinition({ name: 't', workflow }).definition;
    const next = structuredClone(workflow);
    next['6'].inputs.steps = 30;
    next['9'] = { class_type: 'PreviewImage', inputs: { images: ['7', 0] } };
    delete next['4'];
    next['10'] = { class_type: 'ConditioningZeroOut', inputs: { conditioning: ['3', 0] } };
    next['6'].inputs.negative = ['10', 0];
    const v2 = buildPresetDefinition({ name: 't', workflow: next }).definition;
    const diff = diffPresets(v1, v2);
    assert.deepEqual(diff.parameters.removed, ['negative_prompt']);
    assert.deepEqual(diff.parameters.added, []);
    assert.deepEqual(diff.parameters.changed.find((c) => c.name === 'steps')?.fields.default, { from: 25, to: 30 });
    assert.deepEqual(diff.nodes.added, [
      { id: '9', classType: 'PreviewImage' },
      { id: '10', classType: 'ConditioningZeroOut' },
    ]);
    assert.deepEqual(diff.nodes.removed, [{ id: '4', classType: 'CLIPTextEncode' }]);
    assert.deepEqual(diff.nodes.changed.find((c) => c.id === '6')?.inputs.steps, { from: 25, to: 30 });
    assert.equal(diff.kind, null);
  });

  it('reports broken presets field by field', () => {
    const { workflow } = shipped('txt2img');
    const fails = (input: Record<string, unknown>, field: RegExp) =>
      assert.throws(
        () => buildPresetDefinition({ name: 'x', workflow, ...input }),
        (e: unknown) => e instanceof PresetInvalidError && e.code === 'PRESET_INVALID' && e.issues.some((i) => field.test(i.field)),
      );
    fails({ workflow: { nodes: [], links: [] } }, /^workflow$/);
    fails({ workflow: { '1': { inputs: {} } } }, /^workflow\.1$/);
    fails({ workflow: { '1': { class_type: 'SaveImage', inputs: { images: ['7', 0] } } } }, /^workflow\.1\.inputs\.images$/);
    fails({ kind: 'video' }, /^kind$/);
    fails({ parameters: [{ name: 'p', type: 'colour', targets: [] }] }, /^parameters\.0\.type$/);
    fails({ parameters: [{ name: 'p', type: 'enum', targets: [{ node: '3', input: 'text' }] }] }, /^parameters\.0\.options$/);
    fails({ parameters: [{ name: 'p', type: 'text', targets: [{ node: '42', input: 'text' }] }] }, /^parameters\.p\.targets\[0\]$/);
    fails({ parameters: [{ name: 'p', type: 'text', targets: [{ node: '3', input: 'nope' }] }] }, /^parameters\.p\.targets\[0\]$/);
    fails({ parameters: { p: { type: 'number', min: 5, max: 1, targets: [{ node: '6', input: 'cfg' }] } } }, /^parameters\.p\.min$/);
    fails({ parameters: [{ name: 'w', type: 'number', targets: [] }] }, /^parameters\.w\.targets$/);
    fails({ derived: [{ node: '6', input: 'cfg', expression: 'nope * 2' }], parameters: [] }, /^workflow$/);
    fails({ outputs: ['99'] }, /^outputs\[0\]$/);
    const ui = JSON.parse('{"nodes":[],"links":[],"version":0.4}') as unknown;
    assert.throws(() => buildPresetDefinition({ name: 'x', workflow: ui }), /Export \(API\)/);
  });

  it('accepts parameters as a map (the POST /presets shape) and builds a JSON schema', () => {
    const { workflow } = shipped('txt2img');
    const built = buildPresetDefinition({
      name: 'mapped',
      kind: 'generate',
      workflow,
      parameters: { prompt: { type: 'text', targets: [{ node: '3', input: 'text' }] }, cfg: { type: 'number', default: 5, min: 1, max: 9, targets: [{ node: '6', input: 'cfg' }] } },
    });
    assert.deepEqual(built.definition.manifest.parameters.map((p) => p.name), ['prompt', 'cfg']);
    assert.equal(built.inferred, false);
    const schema = parametersJsonSchema(built.definition.manifest.parameters) as { required: string[]; properties: Record<string, Record<string, unknown>> };
    assert.deepEqual(schema.required, ['prompt']);
    assert.deepEqual(schema.properties.cfg, { type: 'number', minimum: 1, maximum: 9, default: 5 });
  });
});

describe('presets: parameters and expressions', () => {
  const specs: ParameterSpec[] = [
    { name: 'seed', type: 'seed', randomize: true, targets: [] },
    { name: 'steps', type: 'integer', default: 20, min: 1, max: 50, targets: [] },
    { name: 'mode', type: 'enum', options: ['a', 'b'], default: 'a', targets: [] },
    { name: 'ref', type: 'image', targets: [] },
    { name: 'extra', type: 'image', required: false, targets: [] },
  ];

  it('validates, defaults and draws random seeds; issues name params.<field>', () => {
    const ok = resolveParams(specs, { ref: 'art-1' });
    assert.deepEqual(ok.issues, []);
    assert.equal(typeof ok.params.seed, 'number');
    assert.deepEqual([ok.params.steps, ok.params.mode, ok.params.ref, ok.params.extra], [20, 'a', 'art-1', null]);
    const bad = resolveParams(specs, { seed: -1, steps: 2.5, mode: 'c', colour: 'red' });
    assert.deepEqual(
      bad.issues.map((i) => i.field),
      ['params.colour', 'params.seed', 'params.steps', 'params.mode', 'params.ref'],
    );
    assert.equal(resolveParams(specs, { ref: 'x', steps: 99 }).issues[0].message, 'must be at most 50');
  });

  it('takes every seed a JSON number holds exactly (0 to 2^53-1) and refuses the rest, saying why', () => {
    const seed: ParameterSpec[] = [{ name: 'seed', type: 'seed', randomize: true, targets: [] }];
    const message = (value: unknown) => resolveParams(seed, { seed: value }).issues[0]?.message;
    for (const ok of [0, 1, 2 ** 48, 468254064217846, 2 ** 53 - 1]) {
      assert.deepEqual(resolveParams(seed, { seed: ok }), { params: { seed: ok }, issues: [] }, `seed ${ok}`);
    }
    assert.equal(SEED_LIMIT, Number.MAX_SAFE_INTEGER);
    assert.equal(message(2 ** 53), 'must be between 0 and 9007199254740991 (2^53-1, the largest whole number a JSON number holds exactly)');
    assert.equal(message(JSON.parse('18446744073709551615')), message(2 ** 53), 'ComfyUI\'s 2^64-1 arrives rounded: refused, never run as another seed');
    assert.equal(message(-1), 'must be between 0 and 9007199254740991');
    assert.equal(message(1.5), 'must be a whole number');
    assert.equal(message('7'), 'must be a number');
    // Random draws stay inside the range, and the JSON Schema says the same range.
    const drawn = resolveParams(seed, {}).params.seed as number;
    assert.ok(Number.isInteger(drawn) && drawn >= 0 && drawn <= SEED_LIMIT);
    const schema = parametersJsonSchema(seed) as { properties: { seed: { minimum: number; maximum: number } } };
    assert.deepEqual([schema.properties.seed.minimum, schema.properties.seed.maximum], [0, Number.MAX_SAFE_INTEGER]);
  });

  it('evaluates derived expressions safely', () => {
    const run = (src: string, values: Record<string, number>, set: string[] = Object.keys(values)) =>
      compileExpression(src, new Set(Object.keys(values)))({ value: (n) => values[n] ?? 0, has: (n) => set.includes(n) });
    assert.equal(run('a + b * 2', { a: 1, b: 3 }), 7);
    assert.equal(run('(a + b) * 2', { a: 1, b: 3 }), 8);
    assert.equal(run('-a + max(a, b, 10) - min(b, 2)', { a: 1, b: 3 }), 7);
    assert.equal(run('has(b) * a / (a + has(b) * b)', { a: 1, b: 3 }, ['a']), 0);
    assert.equal(run('a / 0', { a: 1 }), 0);
    assert.throws(() => run('a +', { a: 1 }), /expected more/);
    assert.throws(() => run('process.exit(1)', {}), /unexpected|unknown/);
    assert.throws(() => run('exit(1)', {}), /unknown function/);
    assert.throws(() => run('a ; b', { a: 1, b: 2 }), /unexpected/);
  });
});

describe('presets: against a backend\u2019s object_info', () => {
  const catalog = new NodeCatalog(new FakeObjectInfo('/nonexistent', { checkpoints: ['sd_xl_base_1.0.safetensors'], loras: [] }).all());

  it('names the parameter behind an unavailable model and how to install a missing custom node', () => {
    const { workflow, manifest } = shipped('voice');
    const { definition } = buildPresetDefinition({ ...manifest, workflow });
    const { params } = resolveParams(definition.manifest.parameters, { voice_sample: 'a' });
    const compiled = compilePrompt({ definition, params, files: { voice_sample: 'v.wav' }, outputFolder: 'm/j' });
    const bare = new NodeCatalog(Object.fromEntries(Object.entries(catalog.raw).filter(([k]) => k !== 'F5TTSAudioInputs')));
    const problems = checkAgainstCatalog(compiled.prompt, bare, { requires: definition.manifest.requires.customNodes });
    assert.deepEqual(problems, ['node 2: class F5TTSAudioInputs is not installed; install the custom node package ComfyUI-F5-TTS (https://github.com/niknah/ComfyUI-F5-TTS)']);

    const t = shipped('txt2img');
    const txt = buildPresetDefinition({ ...t.manifest, workflow: t.workflow }).definition;
    const c = compilePrompt({ definition: txt, params: resolveParams(txt.manifest.parameters, { checkpoint: 'missing.safetensors' }).params, outputFolder: 'm/j' });
    const found = checkAgainstCatalog(c.prompt, catalog, { parameterAt: c.parameterAt });
    assert.equal(found.length, 1);
    assert.match(found[0], /^node 1 \(CheckpointLoaderSimple\) input "ckpt_name" \[parameter "checkpoint"\]: "missing.safetensors" is not available on this server \(it has: sd_xl_base_1.0.safetensors\)$/);
  });
});
