// The ComfyUI custom-node package: its Python nodes (input types, pass-through) with the
// machine's python3, its /object_info entries, and a marked workflow running on a server that
// does not have the package (Media Lab rewrites the markers to core nodes).
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { comfyOptionsSchema } from '../../bridge/options.js';
import { BackendPool } from '../../bridge/pool/backend-pool.js';
import { ComfyExecutor } from '../../plugin/pipelines/comfy/executor.js';
import { PresetRegistry } from '../../plugin/pipelines/comfy/preset-registry.js';
import { resolveComfySubmission } from '../../plugin/pipelines/comfy/submission.js';
import { startFakeComfy } from '../fake-comfy/index.js';
import { createTestDb } from '../support/db.js';
import { fakeContext } from '../support/fake-context.js';
import { FIXTURES, REPO_ROOT, tempDir } from '../support/files.js';
import { artifactFrom } from '../support/rows.js';

const PACKAGE = join(REPO_ROOT, 'bridge', 'comfyui-media-lab');
/** No __pycache__ in the source tree. */
const PY_ENV = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };

const PROBE = String.raw`
import importlib.util, json, os, sys
path = sys.argv[1]
spec = importlib.util.spec_from_file_location("comfyui_media_lab", os.path.join(path, "__init__.py"), submodule_search_locations=[path])
pkg = importlib.util.module_from_spec(spec)
sys.modules["comfyui_media_lab"] = pkg
spec.loader.exec_module(pkg)
M = pkg.NODE_CLASS_MAPPINGS
out = {"web": pkg.WEB_DIRECTORY, "classes": sorted(M), "names": pkg.NODE_DISPLAY_NAME_MAPPINGS, "nodes": {}}
for name, cls in M.items():
    inputs = cls.INPUT_TYPES()
    out["nodes"][name] = {
        "required": {k: v[0] if isinstance(v[0], str) else "COMBO" for k, v in inputs.get("required", {}).items()},
        "optional": {k: v[0] for k, v in inputs.get("optional", {}).items()},
        "returns": list(cls.RETURN_TYPES),
        "output_node": bool(getattr(cls, "OUTPUT_NODE", False)),
        "function": cls.FUNCTION,
        "category": cls.CATEGORY,
    }
image = object()
out["passthrough"] = {
    "text": M["MediaLabText"]().run(name="prompt", value="a knight\nin red"),
    "number": M["MediaLabNumber"]().run(name="s", value=2.6, min=0, max=5, step=0.1),
    "seed": M["MediaLabSeed"]().run(name="seed", seed=18446744073709551615),
    "image_is_same_object": M["MediaLabImage"]().run(name="ref", image=image)[0] is image,
    "output_without_comfyui": M["MediaLabOutput"]().publish(name="out", images=[1]),
}
print(json.dumps(out))
`;

describe('comfyui-media-lab custom nodes', function () {
  this.timeout(30_000);

  it('declares the marker nodes with their input types and passes values through (python3)', () => {
    const out = JSON.parse(execFileSync('python3', ['-c', PROBE, PACKAGE], { env: PY_ENV }).toString()) as {
      web: string;
      classes: string[];
      names: Record<string, string>;
      nodes: Record<string, { required: Record<string, string>; optional: Record<string, string>; returns: string[]; output_node: boolean; function: string; category: string }>;
      passthrough: Record<string, unknown>;
    };
    assert.equal(out.web, './js');
    assert.deepEqual(out.classes, ['MediaLabImage', 'MediaLabNumber', 'MediaLabOutput', 'MediaLabSeed', 'MediaLabText']);
    assert.deepEqual(Object.values(out.names).sort(), ['MediaLab Image', 'MediaLab Number', 'MediaLab Output', 'MediaLab Seed', 'MediaLab Text']);
    assert.deepEqual(out.nodes.MediaLabText.required, { name: 'STRING', value: 'STRING' });
    assert.deepEqual(out.nodes.MediaLabText.returns, ['STRING']);
    assert.deepEqual(out.nodes.MediaLabNumber.required, { name: 'STRING', value: 'FLOAT', min: 'FLOAT', max: 'FLOAT', step: 'FLOAT' });
    assert.deepEqual(out.nodes.MediaLabNumber.returns, ['FLOAT', 'INT']);
    assert.deepEqual(out.nodes.MediaLabSeed.required, { name: 'STRING', seed: 'INT' });
    assert.deepEqual(out.nodes.MediaLabImage.required, { name: 'STRING', image: 'IMAGE' });
    assert.deepEqual(out.nodes.MediaLabImage.returns, ['IMAGE']);
    assert.deepEqual(out.nodes.MediaLabOutput.optional, { images: 'IMAGE', audio: 'AUDIO' });
    assert.deepEqual([out.nodes.MediaLabOutput.output_node, out.nodes.MediaLabOutput.returns], [true, []]);
    assert.ok(Object.values(out.nodes).every((n) => n.category === 'Media Lab'));
    assert.deepEqual(out.passthrough, {
      text: ['a knight\nin red'],
      number: [2.6, 3],
      seed: [18446744073709551615],
      image_is_same_object: true,
      output_without_comfyui: { ui: {} },
    });
  });

  it("describes itself in /object_info the way the fake serves it (kept in sync)", () => {
    const generated = JSON.parse(execFileSync('python3', [join(REPO_ROOT, 'test/bridge/python/node_info.py'), PACKAGE], { env: PY_ENV }).toString()) as unknown;
    const served = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fake-comfy/custom-nodes/medialab.json'), 'utf8')) as unknown;
    assert.deepEqual(served, generated);
  });

  it('runs a workflow authored with markers on a server without the package', async () => {
    const comfy = await startFakeComfy(); // it lists the MediaLab classes but cannot run them
    const db = await createTestDb();
    const options = comfyOptionsSchema.parse({ backends: [{ name: 'gpu', url: comfy.url }] });
    const pool = new BackendPool(options);
    try {
      const registry = new PresetRegistry(db.knex);
      const published = await registry.publish(
        {
          name: 'zoomed',
          kind: 'generate',
          workflow: {
            '1': { class_type: 'LoadImage', inputs: { image: 'example.png' } },
            '2': { class_type: 'MediaLabImage', inputs: { name: 'picture', image: ['1', 0] } },
            '3': { class_type: 'MediaLabNumber', inputs: { name: 'zoom', value: 1.5, min: 0.5, max: 4, step: 0.5 } },
            '4': { class_type: 'ImageScaleBy', inputs: { image: ['2', 0], upscale_method: 'nearest-exact', scale_by: ['3', 0] } },
            '5': { class_type: 'MediaLabOutput', inputs: { name: 'result', images: ['4', 0] } },
          },
        },
        'api',
      );
      assert.deepEqual(published.preset.definition.manifest.parameters.map((p) => [p.name, p.type, p.min, p.max]), [
        ['picture', 'image', undefined, undefined],
        ['zoom', 'number', 0.5, 4],
      ]);
      const picture = artifactFrom(join(FIXTURES, 'red.png'), tempDir());
      const resolved = await resolveComfySubmission(registry, 'generate', { name: 'zoomed' }, { picture: picture.artifact.id, zoom: 2 });
      await assert.rejects(resolveComfySubmission(registry, 'generate', { name: 'zoomed' }, { picture: 'x', zoom: 9 }), /params\.zoom: must be at most 4/);
      const t = fakeContext({ job: { workflow: 'generate', preset: resolved.preset, params: resolved.params, inputIds: resolved.inputIds }, inputs: [picture] });
      await new ComfyExecutor({ pool, registry, options }).run(t.ctx);
      assert.deepEqual([t.outputs[0].artifact.width, t.outputs[0].artifact.height], [128, 96]);
      const posted = comfy.requests.find((r) => r.path === '/prompt' && r.method === 'POST')?.body as { prompt: Record<string, { class_type: string }> };
      assert.deepEqual(Object.values(posted.prompt).map((n) => n.class_type).sort(), ['ImageScaleBy', 'LoadImage', 'SaveImage']);
    } finally {
      await pool.stop();
      await comfy.close();
      await db.destroy();
    }
  });

  it('ships a frontend extension that parses', () => {
    for (const file of ['media-lab.js', 'publish-core.js']) execFileSync(process.execPath, ['--check', join(PACKAGE, 'js', file)]);
    const source = readFileSync(join(PACKAGE, 'js', 'media-lab.js'), 'utf8');
    assert.match(source, /label: 'Publish to Media Lab'/);
    assert.match(source, /app\.graphToPrompt\(\)/);
  });
});
