// What changed between two versions of a preset: parameters (added, removed, changed fields)
// and nodes (added, removed, class or input values changed), outputs and the time limit.
import type { JsonValue, ParameterSpec, PresetDefinition } from '../types.js';
import { canonicalJson } from './hash.js';

export interface FieldChange {
  from: JsonValue | undefined;
  to: JsonValue | undefined;
}

export interface PresetDiff {
  kind: FieldChange | null;
  parameters: {
    added: string[];
    removed: string[];
    changed: Array<{ name: string; fields: Record<string, FieldChange> }>;
  };
  nodes: {
    added: Array<{ id: string; classType: string }>;
    removed: Array<{ id: string; classType: string }>;
    changed: Array<{ id: string; classType: string; classChanged?: FieldChange; inputs: Record<string, FieldChange> }>;
  };
  outputs: FieldChange | null;
  /** The manifest's `timeout` (ms; null: no limit; absent: the kind's limit). */
  timeout: FieldChange | null;
  /** Script presets: the script's SHA-256 and the options it gained or lost (null: the same script, or none). */
  script: { sha256: FieldChange; options: { added: string[]; removed: string[] } } | null;
}

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

function fieldChanges(a: Record<string, unknown>, b: Record<string, unknown>, skip: string[] = []): Record<string, FieldChange> {
  const out: Record<string, FieldChange> = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (skip.includes(key) || same(a[key], b[key])) continue;
    out[key] = { from: a[key] as JsonValue | undefined, to: b[key] as JsonValue | undefined };
  }
  return out;
}

export function diffPresets(from: PresetDefinition, to: PresetDefinition): PresetDiff {
  const byName = (list: ParameterSpec[]) => new Map(list.map((p) => [p.name, p]));
  const a = byName(from.manifest.parameters);
  const b = byName(to.manifest.parameters);
  const parameters: PresetDiff['parameters'] = { added: [], removed: [], changed: [] };
  for (const name of b.keys()) if (!a.has(name)) parameters.added.push(name);
  for (const name of a.keys()) if (!b.has(name)) parameters.removed.push(name);
  for (const [name, spec] of a) {
    const other = b.get(name);
    if (!other) continue;
    const fields = fieldChanges(spec as unknown as Record<string, unknown>, other as unknown as Record<string, unknown>, ['name']);
    if (Object.keys(fields).length) parameters.changed.push({ name, fields });
  }

  const nodes: PresetDiff['nodes'] = { added: [], removed: [], changed: [] };
  const ids = new Set([...Object.keys(from.workflow), ...Object.keys(to.workflow)]);
  for (const id of [...ids].sort((x, y) => x.localeCompare(y, undefined, { numeric: true }))) {
    const before = from.workflow[id];
    const after = to.workflow[id];
    if (!before) nodes.added.push({ id, classType: after.class_type });
    else if (!after) nodes.removed.push({ id, classType: before.class_type });
    else {
      const inputs = fieldChanges(before.inputs, after.inputs);
      const classChanged = before.class_type !== after.class_type ? { from: before.class_type, to: after.class_type } : undefined;
      if (classChanged || Object.keys(inputs).length) nodes.changed.push({ id, classType: after.class_type, ...(classChanged ? { classChanged } : {}), inputs });
    }
  }

  return {
    kind: from.manifest.kind !== to.manifest.kind ? { from: from.manifest.kind, to: to.manifest.kind } : null,
    parameters,
    nodes,
    outputs: same(from.manifest.outputs, to.manifest.outputs) ? null : { from: from.manifest.outputs, to: to.manifest.outputs },
    // undefined (the kind's limit) and null (no limit) differ.
    timeout: from.manifest.timeout === to.manifest.timeout ? null : { from: from.manifest.timeout, to: to.manifest.timeout },
    script: scriptChange(from, to),
  };
}

function scriptChange(from: PresetDefinition, to: PresetDefinition): PresetDiff['script'] {
  const a = from.script;
  const b = to.script;
  if (a?.sha256 === b?.sha256) return null;
  const flags = (d: PresetDefinition) => new Set((d.script?.options ?? []).map((o) => o.flag));
  const before = flags(from);
  const after = flags(to);
  return {
    sha256: { from: a?.sha256, to: b?.sha256 },
    options: { added: [...after].filter((f) => !before.has(f)), removed: [...before].filter((f) => !after.has(f)) },
  };
}
