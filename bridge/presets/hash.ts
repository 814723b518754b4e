// A preset's content hash: SHA-256 of canonical JSON (sorted keys) of what changes behaviour:
// kind, workflow (minus editor titles), parameters, derived inputs, outputs, requirements, the
// time limit, the list order (stored with the version, so a new order is a new version), and a
// script preset's script (by its SHA-256). An
// absent order or time limit adds nothing to the hash, so older presets keep their hashes. Name and
// description are left out: renaming text does not make a new version.
import { createHash } from 'node:crypto';
import type { ApiWorkflow, PresetDefinition } from '../types.js';

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function withoutTitles(workflow: ApiWorkflow): ApiWorkflow {
  return Object.fromEntries(Object.entries(workflow).map(([id, node]) => [id, { class_type: node.class_type, inputs: node.inputs }]));
}

export function presetHash(definition: PresetDefinition): string {
  const { manifest, workflow } = definition;
  const content = {
    kind: manifest.kind,
    workflow: withoutTitles(workflow),
    parameters: manifest.parameters,
    derived: manifest.derived,
    outputs: manifest.outputs,
    requires: manifest.requires,
    order: manifest.order,
    // Left out of the JSON when the manifest has none, so older presets keep their hashes.
    timeout: manifest.timeout,
    // Script presets: the script's own bytes (absent for workflow presets, so their hashes stay).
    script: definition.script ? { file: definition.script.file, sha256: definition.script.sha256 } : undefined,
  };
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}
