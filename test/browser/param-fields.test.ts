// The form builder's pure parts: schemas to fields, text back to values, server fields to controls.
import assert from 'node:assert/strict';
import { fieldOfIssue, fieldsFromJsonSchema, fieldsFromPreset, parseFieldValue, uploadFields } from '../../web-components/param-fields.js';
import type { JsonSchema } from '../../contract/kinds.js';
import type { PresetInfo } from '../../contract/presets.js';

describe('web components: form fields from schemas', () => {
  it('reads a kind\'s JSON Schema: enums and literal unions become selects, bounds and defaults carry over', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        qualityPreset: { default: 'balanced', type: 'string', enum: ['fast', 'balanced', 'quality', 'max'] },
        scale: { default: 2, anyOf: [{ type: 'number', const: 2 }, { type: 'number', const: 3 }, { type: 'number', const: 4 }] },
        targetFps: { type: 'number', exclusiveMinimum: 0, maximum: 480, description: 'Frames per second of the result' },
        prompt: { type: 'string', maxLength: 4000, default: '' },
        seed: { type: 'integer', minimum: 0, maximum: 9007199254740991 },
        weights: { type: 'array', maxItems: 8, items: { type: 'number', minimum: 0, maximum: 1 } },
      },
      required: ['targetFps'],
    };
    const byName = Object.fromEntries(fieldsFromJsonSchema(schema).map((f) => [f.name, f]));
    assert.equal(byName.qualityPreset.control, 'select');
    assert.equal(byName.qualityPreset.default, 'balanced');
    assert.deepEqual(byName.scale.options?.map((o) => o.value), [2, 3, 4]);
    assert.equal(byName.targetFps.control, 'number');
    assert.equal(byName.targetFps.required, true);
    assert.equal(byName.targetFps.above, 0);
    assert.equal(byName.targetFps.help, 'Frames per second of the result');
    assert.equal(byName.prompt.control, 'textarea');
    assert.equal(byName.seed.integer, true);
    assert.equal(byName.seed.max, undefined, 'a max of 2^53 is no bound worth showing');
    assert.equal(byName.weights.control, 'number-list');
  });

  it('a LoRA parameter with the backend\'s names becomes a select whose empty choice says "(none)"', () => {
    const [lora, checkpoint] = fieldsFromPreset({
      parameters: [
        { name: 'lora_1', type: 'string', required: false, options: ['a.safetensors', 'b.safetensors'], skippedWhenEmpty: true },
        { name: 'checkpoint', type: 'string', required: false, default: 'sd_xl_base_1.0.safetensors', options: ['sd_xl_base_1.0.safetensors'] },
      ],
    });
    assert.equal(lora.control, 'select');
    assert.equal(lora.emptyLabel, '(none)');
    assert.deepEqual(lora.options?.map((o) => o.value), ['a.safetensors', 'b.safetensors']);
    assert.deepEqual(parseFieldValue(lora, ''), { ok: true, value: undefined }, 'left empty: the LoRA is skipped');
    assert.equal(checkpoint.control, 'select');
    assert.equal(checkpoint.emptyLabel, undefined);
  });

  it('reads a ComfyUI preset\'s parameters: media become uploads, seeds say they randomise', () => {
    const preset: Pick<PresetInfo, 'name' | 'kind' | 'parameters'> = {
      name: 'blend',
      kind: 'blend',
      parameters: [
        { name: 'image_1', type: 'image', required: true },
        { name: 'weight_1', type: 'number', required: false, default: 1, min: 0, max: 10, step: 0.1 },
        { name: 'mode', type: 'enum', required: false, default: 'normal', options: ['normal', 'multiply'] },
        { name: 'seed', type: 'seed', required: false, randomize: true },
        { name: 'lyrics', type: 'text', required: false },
      ],
    };
    const [image, weight, mode, seed, lyrics] = fieldsFromPreset(preset);
    assert.deepEqual([image.control, image.accept, image.required], ['file', ['image'], true]);
    assert.deepEqual([weight.control, weight.min, weight.max, weight.step], ['number', 0, 10, 0.1]);
    assert.deepEqual(mode.options?.map((o) => o.value), ['normal', 'multiply']);
    assert.equal(seed.integer, true);
    assert.match(seed.help ?? '', /random seed/);
    assert.equal(lyrics.control, 'textarea');
  });

  it('checks a preset seed against the server\'s range: 0 to 2^53-1', () => {
    const [seed, narrowed] = fieldsFromPreset({
      parameters: [
        { name: 'seed', type: 'seed', required: false, randomize: true, default: 468254064217846 },
        { name: 'small_seed', type: 'seed', required: false, min: 10, max: 1000 },
      ],
    });
    assert.deepEqual([seed.min, seed.max, seed.integer], [0, Number.MAX_SAFE_INTEGER, true]);
    assert.deepEqual(parseFieldValue(seed, '468254064217846'), { ok: true, value: 468254064217846 }, 'the music preset\'s default');
    assert.deepEqual(parseFieldValue(seed, '9007199254740991'), { ok: true, value: 9007199254740991 });
    assert.deepEqual(parseFieldValue(seed, '9007199254740992'), { ok: false, message: 'Must be at most 9007199254740991.' });
    assert.deepEqual(parseFieldValue(seed, '18446744073709551615'), { ok: false, message: 'Must be at most 9007199254740991.' });
    assert.deepEqual(parseFieldValue(seed, '-1'), { ok: false, message: 'Must be at least 0.' });
    assert.deepEqual(parseFieldValue(seed, '1.5'), { ok: false, message: 'Enter a whole number.' });
    assert.deepEqual(parseFieldValue(seed, ''), { ok: true, value: undefined }, 'empty: the server draws a random seed');
    assert.deepEqual([narrowed.min, narrowed.max], [10, 1000]);
  });

  it('names upload fields after the media a kind takes', () => {
    assert.deepEqual(uploadFields({ min: 1, max: 1, kinds: ['image'] }).map((f) => [f.name, f.required, f.multiple]), [['sourceImage', true, false]]);
    assert.deepEqual(uploadFields({ min: 1, max: 1, kinds: ['video'] }).map((f) => f.name), ['sourceVideo']);
    assert.deepEqual(uploadFields({ min: 0, max: 8, kinds: ['image'] }).map((f) => [f.name, f.required, f.multiple]), [['sourceImage', false, true]]);
    assert.deepEqual(uploadFields({ min: 0, max: 0, kinds: ['audio'] }), []);
  });

  it('parses what people type, checking the schema\'s bounds', () => {
    const fps = fieldsFromJsonSchema({ properties: { targetFps: { type: 'number', exclusiveMinimum: 0, maximum: 480 } }, required: ['targetFps'] })[0];
    assert.deepEqual(parseFieldValue(fps, '120'), { ok: true, value: 120 });
    assert.deepEqual(parseFieldValue(fps, ''), { ok: false, message: 'Required.' });
    assert.deepEqual(parseFieldValue(fps, '0'), { ok: false, message: 'Must be greater than 0.' });
    assert.deepEqual(parseFieldValue(fps, '481'), { ok: false, message: 'Must be at most 480.' });
    const [steps, scale, weights] = fieldsFromJsonSchema({
      properties: {
        steps: { type: 'integer', minimum: 1 },
        scale: { anyOf: [{ const: 2 }, { const: 4 }] },
        weights: { type: 'array', maxItems: 2, items: { type: 'number', minimum: 0, maximum: 1 } },
      },
    });
    assert.deepEqual(parseFieldValue(steps, '2.5'), { ok: false, message: 'Enter a whole number.' });
    assert.deepEqual(parseFieldValue(steps, ''), { ok: true, value: undefined }, 'optional: the server default applies');
    assert.deepEqual(parseFieldValue(scale, '4'), { ok: true, value: 4 }, 'select values keep their JSON type');
    assert.deepEqual(parseFieldValue(weights, '0.25, 0.75'), { ok: true, value: [0.25, 0.75] });
    assert.deepEqual(parseFieldValue(weights, '0.1 0.2 0.3'), { ok: false, message: 'At most 2 values.' });
  });

  it('maps the server\'s field paths to form controls', () => {
    assert.equal(fieldOfIssue('params.targetFps'), 'targetFps');
    assert.equal(fieldOfIssue('params.weights[1]'), 'weights');
    assert.equal(fieldOfIssue('inputs[0]'), 'inputs');
    assert.equal(fieldOfIssue('inputs'), 'inputs');
    assert.equal(fieldOfIssue('preset'), 'preset');
  });
});
