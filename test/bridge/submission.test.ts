// POST /jobs for comfy kinds: the preset a job is pinned to, params checked and defaulted,
// artifact ids collected as inputs; errors name the fields. And the kind definitions.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { ValidationError } from '../../plugin/core/errors.js';
import { createComfyIntegration } from '../../plugin/pipelines/comfy/index.js';
import { createPresetRoutes } from '../../plugin/http/preset-routes.js';
import { createComfyKinds } from '../../plugin/pipelines/comfy/kinds.js';
import { PresetRegistry } from '../../plugin/pipelines/comfy/preset-registry.js';
import { resolveComfySubmission } from '../../plugin/pipelines/comfy/submission.js';
import { createTestDb } from '../support/db.js';
import { REPO_ROOT } from '../support/files.js';

function fields(error: unknown): string[] {
  assert.ok(error instanceof ValidationError, String(error));
  assert.equal(error.status, 422);
  return error.issues.map((i) => i.field);
}

describe('comfy submissions and kinds', () => {
  let db: { knex: Knex; destroy(): Promise<void> };
  let registry: PresetRegistry;
  before(async () => {
    db = await createTestDb();
    registry = new PresetRegistry(db.knex);
    await registry.syncDirectory(join(REPO_ROOT, 'comfy-workflows'), 'shipped');
  });
  after(async () => {
    await db.destroy();
  });

  it('pins the preset version and hash, defaults params, draws the seed and lists input artifacts', async () => {
    const resolved = await resolveComfySubmission(registry, 'blend', { name: 'pixel-blend' }, { image_1: 'art-a', image_2: 'art-b', image_3: 'art-a', weight_2: 2 });
    const blend = await registry.get('pixel-blend');
    assert.deepEqual(resolved.preset, { name: 'pixel-blend', version: 1, hash: blend?.hash });
    assert.deepEqual(resolved.inputIds, ['art-a', 'art-b']);
    assert.equal(resolved.params.weight_1, 1);
    assert.equal(resolved.params.weight_2, 2);
    assert.equal(resolved.params.image_4, null);
    assert.equal(resolved.params.mode, 'normal');
    const txt = await resolveComfySubmission(registry, 'generate', undefined, { prompt: 'hello' });
    assert.equal(txt.preset.name, 'txt2img', 'no preset named: the kind’s default');
    assert.equal(typeof txt.params.seed, 'number');
    const fixed = await resolveComfySubmission(registry, 'generate', { name: 'txt2img', version: 1 }, { seed: 5 });
    assert.equal(fixed.params.seed, 5);
  });

  it('names the offending fields', async () => {
    const fail = async (kind: unknown, preset: unknown, params: unknown) => {
      try {
        await resolveComfySubmission(registry, kind, preset, params);
      } catch (error) {
        return fields(error);
      }
      assert.fail('expected a ValidationError');
    };
    assert.deepEqual(await fail('enhance', undefined, {}), ['workflow']);
    assert.deepEqual(await fail('generate', { name: 'nope' }, {}), ['preset.name']);
    assert.deepEqual(await fail('generate', { name: 'txt2img', version: 7 }, {}), ['preset.version']);
    assert.deepEqual(await fail('generate', { name: 'txt2img', version: 0 }, {}), ['preset.version']);
    assert.deepEqual(await fail('music', { name: 'txt2img' }, {}), ['preset.name']);
    assert.deepEqual(await fail('generate', 'txt2img', {}), ['preset']);
    assert.deepEqual(await fail('generate', { name: 'txt2img' }, [1]), ['params']);
    assert.deepEqual(await fail('generate', { name: 'txt2img' }, { seed: -3, steps: 1000, styel: 'x' }), ['params.styel', 'params.seed', 'params.steps']);
    assert.deepEqual(await fail('voice', undefined, {}), ['params.voice_sample']);
  });

  it('defines generate, blend, music and voice with permissive inputs and a shared executor', () => {
    const executor = { run: async () => undefined };
    const kinds = createComfyKinds({ executor });
    assert.deepEqual(kinds.map((k) => k.kind), ['generate', 'blend', 'music', 'voice']);
    for (const kind of kinds) {
      assert.deepEqual(kind.inputs, { min: 0, max: 8, kinds: ['image', 'audio'] });
      assert.equal(kind.executor, executor);
      assert.deepEqual(kind.paramsSchema.parse({ prompt: 'x', seed: 1, nested: { a: [1, null] } }), { prompt: 'x', seed: 1, nested: { a: [1, null] } });
      assert.throws(() => kind.paramsSchema.parse('not an object'));
    }
  });

  it('wires everything with createComfyIntegration', async () => {
    const integration = createComfyIntegration({ knex: db.knex, options: { backends: [] } });
    await integration.start();
    assert.equal(integration.kinds.length, 4);
    assert.equal(integration.options.presetsDir.endsWith('comfy-workflows/') || integration.options.presetsDir.endsWith('comfy-workflows'), true);
    const resolved = await integration.resolveSubmission('music', undefined, { tags: 'jazz' });
    assert.equal(resolved.preset.name, 'music');
    const viaKind = await integration.kinds[1].resolveSubmission?.({ preset: { name: 'pixel-blend' }, params: { image_1: 'a', image_2: 'b' }, inputIds: [] });
    assert.deepEqual(viaKind?.inputIds, ['a', 'b']);
    await assert.rejects(
      integration.kinds[0].resolveSubmission?.({ preset: null, params: { steps: 0 }, inputIds: [] }) ?? Promise.resolve(),
      (e: unknown) => e instanceof ValidationError && e.issues[0].field === 'params.steps',
    );
    assert.equal(typeof createPresetRoutes(integration.registry), 'function');
    assert.deepEqual(await integration.reconcile([{ id: 'j', checkpoint: {} }]), [{ jobId: 'j', backend: null, promptId: null, state: 'no-prompt' }]);
    await integration.stop();
  });
});
