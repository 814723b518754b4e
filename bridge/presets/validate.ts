// Checks at three moments: a submitted/loaded workflow is API format; a manifest fits its
// workflow (targets, outputs, a dry compile); a compiled prompt fits a backend's /object_info
// (classes installed, required inputs, values in range, files and models present).
import type { NodeCatalog } from '../client/object-info.js';
import { isLink, type ApiWorkflow, type CustomNodeRequirement, type JsonValue, type PresetDefinition } from '../types.js';
import { compilePrompt } from './compile.js';
import { MEDIALAB_INPUT_CLASSES } from './infer.js';
import { resolveParams } from './params.js';

export interface Issue {
  field: string;
  message: string;
}

/** A workflow as exported with "Export (API)": `{ "<id>": { class_type, inputs } }`. */
export function checkApiWorkflow(value: unknown, field = 'workflow'): { workflow: ApiWorkflow | null; issues: Issue[] } {
  const issues: Issue[] = [];
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return { workflow: null, issues: [{ field, message: 'must be an object of nodes (the API-format export)' }] };
  }
  const record = value as Record<string, unknown>;
  if (Array.isArray(record.nodes) && Array.isArray(record.links)) {
    return {
      workflow: null,
      issues: [{ field, message: 'this is the editor (UI) format; export the workflow with "Export (API)" or publish it from the editor' }],
    };
  }
  const ids = Object.keys(record);
  if (ids.length === 0) issues.push({ field, message: 'has no nodes' });
  for (const id of ids) {
    const node = record[id] as { class_type?: unknown; inputs?: unknown } | null;
    if (!node || typeof node !== 'object' || typeof node.class_type !== 'string' || !node.class_type) {
      issues.push({ field: `${field}.${id}`, message: 'a node needs a class_type' });
      continue;
    }
    if (!node.inputs || typeof node.inputs !== 'object' || Array.isArray(node.inputs)) {
      issues.push({ field: `${field}.${id}.inputs`, message: 'must be an object' });
      continue;
    }
    for (const [name, input] of Object.entries(node.inputs as Record<string, unknown>)) {
      if (isLink(input) && !(input[0] in record)) {
        issues.push({ field: `${field}.${id}.inputs.${name}`, message: `links to node ${input[0]}, which is not in the workflow` });
      }
    }
  }
  return { workflow: issues.length ? null : (value as ApiWorkflow), issues };
}

/** The manifest's references exist and the preset compiles with its defaults. */
export function checkDefinition(definition: PresetDefinition): Issue[] {
  const { manifest, workflow } = definition;
  const issues: Issue[] = [];
  const nodeField = (node: string) => (workflow[node] ? null : `node ${node} is not in the workflow`);
  manifest.parameters.forEach((spec) => {
    spec.targets.forEach((t, j) => {
      const missing = nodeField(t.node);
      if (missing) issues.push({ field: `parameters.${spec.name}.targets[${j}]`, message: missing });
      else if (!MEDIALAB_INPUT_CLASSES.has(workflow[t.node].class_type) && !(t.input in workflow[t.node].inputs) && spec.type !== 'image' && spec.type !== 'audio') {
        issues.push({ field: `parameters.${spec.name}.targets[${j}]`, message: `node ${t.node} (${workflow[t.node].class_type}) has no input "${t.input}"` });
      }
    });
    (spec.bypassWhenEmpty ?? []).forEach((rule, j) => {
      const missing = nodeField(rule.node);
      if (missing) issues.push({ field: `parameters.${spec.name}.bypassWhenEmpty[${j}]`, message: missing });
      for (const input of Object.values(rule.passthrough)) {
        if (workflow[rule.node] && !(input in workflow[rule.node].inputs)) {
          issues.push({ field: `parameters.${spec.name}.bypassWhenEmpty[${j}]`, message: `node ${rule.node} has no input "${input}" to pass through` });
        }
      }
    });
    if (spec.type === 'image' && spec.targets.length === 0 && !spec.bypassWhenEmpty) {
      issues.push({ field: `parameters.${spec.name}`, message: 'an image parameter must target a Load Image input (MediaLab Image needs a Load Image feeding it)' });
    }
  });
  manifest.derived.forEach((d, i) => {
    const missing = nodeField(d.node);
    if (missing) issues.push({ field: `derived[${i}]`, message: missing });
  });
  manifest.outputs.forEach((id, i) => {
    const missing = nodeField(id);
    if (missing) issues.push({ field: `outputs[${i}]`, message: missing });
  });
  const usedInDerived = manifest.derived.map((d) => d.expression).join(' ');
  for (const spec of manifest.parameters) {
    if (spec.targets.length === 0 && !spec.bypassWhenEmpty && !new RegExp(`\\b${spec.name}\\b`).test(usedInDerived)) {
      issues.push({ field: `parameters.${spec.name}.targets`, message: 'sets nothing: give it targets or use it in a derived expression' });
    }
  }
  const names = manifest.parameters.map((p) => p.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) issues.push({ field: `parameters.${dup}`, message: 'is listed twice' });
  if (issues.length) return issues;

  // A dry compile with defaults (and placeholder files) catches broken bypasses, expressions, outputs.
  const { params } = resolveParams(manifest.parameters, {});
  const files: Record<string, string> = {};
  for (const spec of manifest.parameters) {
    if (spec.type === 'image' || spec.type === 'audio') {
      files[spec.name] = `placeholder.${spec.type === 'image' ? 'png' : 'wav'}`;
      params[spec.name] = 'placeholder-artifact';
    }
  }
  try {
    compilePrompt({ definition, params, files, outputFolder: 'medialab/check' });
  } catch (error) {
    issues.push({ field: 'workflow', message: (error as Error).message });
  }
  return issues;
}

function describeValue(value: JsonValue): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}

/**
 * A compiled prompt against a backend's /object_info. Messages name the node, the input and the
 * parameter that set it, and how to fix a missing custom node.
 */
export function checkAgainstCatalog(
  prompt: ApiWorkflow,
  catalog: NodeCatalog,
  context: { requires?: CustomNodeRequirement[]; parameterAt?: (node: string, input: string) => string | undefined } = {},
): string[] {
  const problems: string[] = [];
  for (const [id, node] of Object.entries(prompt)) {
    const spec = catalog.get(node.class_type);
    if (!spec) {
      const need = context.requires?.find((r) => r.classType === node.class_type);
      problems.push(
        `node ${id}: class ${node.class_type} is not installed${need ? `; install the custom node package ${need.package}${need.repository ? ` (${need.repository})` : ''}` : ''}`,
      );
      continue;
    }
    for (const input of spec.inputs) {
      const value = node.inputs[input.name];
      const param = context.parameterAt?.(id, input.name);
      const where = `node ${id} (${node.class_type}) input "${input.name}"${param ? ` [parameter "${param}"]` : ''}`;
      if (value === undefined) {
        if (input.required) problems.push(`${where}: required input is missing`);
        continue;
      }
      if (isLink(value)) {
        const source = prompt[value[0]];
        const sourceSpec = source && catalog.get(source.class_type);
        if (sourceSpec && value[1] >= sourceSpec.outputs.length) problems.push(`${where}: links to output ${value[1]} of node ${value[0]}, which has ${sourceSpec.outputs.length}`);
        continue;
      }
      if (input.upload) continue; // filled with an upload at run time: not listed yet
      if (input.type === 'COMBO' && input.options && input.options.length > 0 && !input.options.includes(value)) {
        const shown = input.options.length > 12 ? `${input.options.slice(0, 12).join(', ')}, …` : input.options.join(', ');
        problems.push(`${where}: ${describeValue(value)} is not available on this server (it has: ${shown})`);
      } else if (input.type === 'COMBO' && input.options && input.options.length === 0) {
        problems.push(`${where}: ${describeValue(value)} is not available on this server (it lists none)`);
      }
      if (typeof value === 'number') {
        if (input.min !== undefined && value < input.min) problems.push(`${where}: ${value} is below the minimum ${input.min}`);
        if (input.max !== undefined && value > input.max) problems.push(`${where}: ${value} is above the maximum ${input.max}`);
      }
    }
  }
  return problems;
}
