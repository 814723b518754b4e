// Both /object_info input-spec formats, on the real server's recorded answer.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { NodeCatalog, normaliseInputSpec } from '../../bridge/client/object-info.js';
import type { ObjectInfo } from '../../bridge/types.js';

const recorded = JSON.parse(readFileSync(new URL('../fake-comfy/object_info.json', import.meta.url), 'utf8')) as ObjectInfo;

describe('object_info normalisation', () => {
  const catalog = new NodeCatalog(recorded);

  it('reads all 383 recorded classes', () => {
    assert.equal(catalog.size, 383);
  });

  it('V1 combo: a bare list', () => {
    const spec = catalog.input('ImageScaleBy', 'upscale_method');
    assert.equal(spec?.type, 'COMBO');
    assert.deepEqual(spec?.options, ['nearest-exact', 'bilinear', 'area', 'bicubic', 'lanczos']);
    assert.equal(catalog.input('ImageScaleBy', 'image')?.isLinkType, true);
  });

  it('V3 combo: ["COMBO", {options}] and ["IMAGE", {}]', () => {
    const mode = catalog.input('ImageBlend', 'blend_mode');
    assert.equal(mode?.type, 'COMBO');
    assert.deepEqual(mode?.options, ['normal', 'multiply', 'screen', 'overlay', 'soft_light', 'difference']);
    const image = catalog.input('ImageBlend', 'image1');
    assert.equal(image?.type, 'IMAGE');
    assert.equal(image?.isLinkType, true);
    const factor = catalog.input('ImageBlend', 'blend_factor');
    assert.deepEqual([factor?.type, factor?.min, factor?.max, factor?.default], ['FLOAT', 0, 1, 0.5]);
  });

  it('upload lists with options: [[files], {image_upload: true}] and the empty [[], {audio_upload}]', () => {
    const image = catalog.input('LoadImage', 'image');
    assert.equal(image?.type, 'COMBO');
    assert.equal(image?.upload, 'image');
    assert.ok(Array.isArray(image?.options));
    const audio = catalog.input('LoadAudio', 'audio');
    assert.equal(audio?.upload, 'audio');
    assert.deepEqual(audio?.options, []);
  });

  it('numbers, strings, booleans, optional inputs and output nodes', () => {
    const seed = catalog.input('KSampler', 'seed');
    assert.equal(seed?.type, 'INT');
    assert.equal(seed?.min, 0);
    assert.equal(catalog.input('CLIPTextEncode', 'text')?.multiline, true);
    assert.equal(catalog.get('SaveImage')?.outputNode, true);
    assert.equal(catalog.get('ImageBlend')?.outputNode, false);
    assert.deepEqual(catalog.get('CheckpointLoaderSimple')?.outputs, ['MODEL', 'CLIP', 'VAE']);
    const withOptional = Object.entries(recorded).find(([, info]) => info.input.optional && Object.keys(info.input.optional).length);
    assert.ok(withOptional);
    const [cls, info] = withOptional;
    const optionalName = Object.keys(info.input.optional ?? {})[0];
    assert.equal(catalog.input(cls, optionalName)?.required, false);
  });

  it('a spec without options object', () => {
    assert.deepEqual(normaliseInputSpec('x', [['a', 'b']], true), { name: 'x', required: true, type: 'COMBO', isLinkType: false, options: ['a', 'b'] });
    assert.deepEqual(normaliseInputSpec('img', ['IMAGE'], false), { name: 'img', required: false, type: 'IMAGE', isLinkType: true });
  });
});
