// The POST /jobs body per kind, for the OpenAPI document: a `oneOf` with one variant per kind
// (its params schema from the kind's zod schema) and, for preset-driven kinds (ComfyUI), one
// variant per preset (its params schema from the preset's parameter specs). Built per document:
// kinds are registered and presets published while the lab runs.
import { z } from 'zod';
import { parametersJsonSchema } from '../../bridge/presets/params.js';
import type { JsonSchema, ApiDocContext } from './openapi.js';
import { schemaRef } from './openapi.js';

/** Component names allow letters, digits, `.`, `-` and `_`. */
const componentName = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
export const kindParamsName = (kind: string) => `${kind}Params`;
export const presetParamsName = (preset: string) => `Preset.${componentName(preset)}.Params`;

function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete json.$schema;
  return json;
}

const presetByName = (name: string): JsonSchema => ({
  anyOf: [
    { const: name, description: 'The current version' },
    { type: 'object', properties: { name: { const: name }, version: { type: 'integer', minimum: 1 } }, required: ['name'] },
  ],
});

/** `<kind>Params`, `Preset.<name>.Params` and `SubmitJob` (the oneOf). */
export async function submitJobSchemas(ctx: ApiDocContext): Promise<Record<string, JsonSchema>> {
  const schemas: Record<string, JsonSchema> = {};
  const variants: JsonSchema[] = [];
  const presets = ctx.presets ? (await ctx.presets.list()).map((p) => p.preset) : [];
  for (const kind of ctx.kinds.all()) {
    const params = jsonSchemaOf(kind.paramsSchema);
    const presetDriven = Boolean(kind.resolveSubmission);
    schemas[kindParamsName(kind.kind)] = presetDriven
      ? { ...params, description: `Preset-driven: the parameters are those of the chosen preset (GET /presets; one SubmitJob variant per preset). ${String(params.description ?? '')}`.trim() }
      : params;
    const ofKind = presetDriven ? presets.filter((p) => p.kind === kind.kind) : [];
    if (ofKind.length === 0) {
      variants.push({
        title: `${kind.kind} job`,
        description: kind.description,
        allOf: [schemaRef('SubmitJobBase'), { type: 'object', properties: { workflow: { const: kind.kind }, params: schemaRef(kindParamsName(kind.kind)) }, required: ['workflow'] }],
      });
      continue;
    }
    const defaultName = (await ctx.presets?.defaultFor(kind.kind as Parameters<NonNullable<ApiDocContext['presets']>['defaultFor']>[0]))?.name;
    for (const preset of ofKind) {
      const name = presetParamsName(preset.name);
      schemas[name] = { ...parametersJsonSchema(preset.definition.manifest.parameters), description: `Parameters of preset "${preset.name}" v${preset.version}: ${preset.definition.manifest.description}` };
      delete schemas[name].$schema;
      const isDefault = preset.name === defaultName;
      variants.push({
        title: `${kind.kind} job with preset ${preset.name}`,
        description: `${preset.definition.manifest.description}${isDefault ? ` (the default ${kind.kind} preset: \`preset\` may be left out)` : ''}`,
        allOf: [
          schemaRef('SubmitJobBase'),
          { type: 'object', properties: { workflow: { const: kind.kind }, preset: presetByName(preset.name), params: schemaRef(name) }, required: isDefault ? ['workflow'] : ['workflow', 'preset'] },
        ],
      });
    }
  }
  schemas.SubmitJob = {
    description: 'POST /jobs: one variant per kind; for preset-driven (ComfyUI) kinds one per preset, whose `params` are that preset\'s parameters.',
    oneOf: variants,
  };
  return schemas;
}
