// Every shipped preset accepts its own defaults: loaded from comfy-workflows/ through the code the
// server uses (scanPresetsDir -> buildPresetDefinition), its parameters resolved from nothing but
// their defaults (as the job form sends them: prefilled), compiled, and the prompt validated the
// way ComfyUI validates it (the fake's validator over the recorded /object_info).
import { strict as assert } from 'node:assert';
import { copyFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compilePrompt } from '../../bridge/presets/compile.js';
import { scanPresetsDir } from '../../bridge/presets/files.js';
import { isRequired, resolveParams } from '../../bridge/presets/params.js';
import type { JsonObject } from '../../bridge/types.js';
import { FakeObjectInfo } from '../fake-comfy/object-info.js';
import { PromptValidator } from '../fake-comfy/validate.js';
import { FIXTURES, REPO_ROOT, tempDir } from '../support/files.js';

const SHIPPED = join(REPO_ROOT, 'comfy-workflows');
/** The model files the shipped presets name (comfy-workflows/README.md: "needs on the server"). */
const MODELS = { checkpoints: ['sd_xl_base_1.0.safetensors', 'ace_step_v1_3.5b.safetensors'], loras: [] };
const MEDIA_FILE = { image: 'red.png', audio: 'tone.wav' } as const;

describe('shipped presets accept their own defaults', () => {
  const folders = readdirSync(SHIPPED).filter((name) => statSync(join(SHIPPED, name)).isDirectory());
  const inputDir = tempDir();
  for (const file of Object.values(MEDIA_FILE)) copyFileSync(join(FIXTURES, file), join(inputDir, file));
  const validator = new PromptValidator(new FakeObjectInfo(inputDir, MODELS), inputDir);

  it('every folder under comfy-workflows/ loads without problems', async () => {
    const { presets, problems } = await scanPresetsDir(SHIPPED);
    assert.deepEqual(problems, []);
    assert.deepEqual(presets.map((p) => p.built.definition.manifest.name).sort(), [...folders].sort());
  });

  for (const folder of folders) {
    it(`${folder}: its defaults pass its own validation, compile, and pass ComfyUI's validation`, async () => {
      const { presets } = await scanPresetsDir(SHIPPED);
      const loaded = presets.find((p) => p.folder === join(SHIPPED, folder));
      assert.ok(loaded, `${folder} did not load`);
      const { definition } = loaded.built;
      const specs = definition.manifest.parameters;

      // A job has to upload the required media: each gets an artifact id and, once uploaded, a file.
      // Optional media stay empty (their bypass applies).
      const uploads: JsonObject = {};
      const files: Record<string, string> = {};
      for (const spec of specs) {
        if ((spec.type === 'image' || spec.type === 'audio') && isRequired(spec)) {
          uploads[spec.name] = `artifact-${spec.name}`;
          files[spec.name] = MEDIA_FILE[spec.type];
        }
      }
      // Every default, as the form prefills and submits it (a seed's default too, not a random draw).
      const defaults: JsonObject = { ...uploads };
      for (const spec of specs) if (spec.default !== undefined && spec.default !== null) defaults[spec.name] = spec.default;
      const { params, issues } = resolveParams(specs, defaults);
      assert.deepEqual(issues, [], `${folder}: its defaults fail its own validation`);
      // Left empty, the server fills the same defaults (random seeds drawn) without complaint.
      assert.deepEqual(resolveParams(specs, uploads).issues, [], `${folder}: left empty, its parameters fail validation`);

      const compiled = compilePrompt({ definition, params, files, outputFolder: 'medialab/job' });
      const result = validator.validate(compiled.prompt);
      assert.ok(result.ok, `${folder}: ${JSON.stringify(result.error)} ${JSON.stringify(result.nodeErrors)}`);
      assert.deepEqual([...result.goodOutputs].sort(), [...compiled.outputNodes].sort());
    });
  }
});
