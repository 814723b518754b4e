// A chain definition checked as a shape (zod, contract/chains.ts) and as a graph: unknown step
// or input references, cycles, type mismatches (an audio output into an image input), and params
// the step's kind or preset rejects. Every problem names its path (`steps[2].inputs.image`) and
// they all come back at once, as one ValidationError (422 VALIDATION_FAILED).
import { resolveParams } from '../../bridge/presets/params.js';
import type { ParameterSpec } from '../../bridge/types.js';
import {
  chainDefinitionSchema,
  isChainRef,
  refSource,
  STEP_OUTPUT_KIND,
  type ChainDefinition,
  type ChainInputType,
  type ChainRef,
  type ChainStep,
} from '../../contract/chains.js';
import { isComfyKind } from '../../contract/jobs.js';
import { zodIssues } from '../../contract/zod-issues.js';
import { ValidationError, type FieldIssue } from '../core/errors.js';
import type { JsonObject, JsonValue, PresetRef } from '../core/types.js';
import type { KindRegistry } from '../kinds/registry.js';
import type { PresetRegistry } from '../pipelines/comfy/preset-registry.js';

/** What a ref carries: a media kind or a scalar. */
export type ValueType = ChainInputType;

export interface ChainCheckDeps {
  kinds: KindRegistry;
  /** The ComfyUI presets (null when ComfyUI is not installed: comfy steps are refused). */
  presets: PresetRegistry | null;
}

/** A definition that passed every check, with what the engine needs to run it. */
export interface CheckedChain {
  definition: ChainDefinition;
  /** Step ids, upstream before downstream. */
  order: string[];
  /** Each step's upstream step ids. */
  upstream: Map<string, string[]>;
  /** The preset version each ComfyUI step runs (a step that names no version follows the latest). */
  presets: Map<string, PresetRef>;
  /** The chain's outputs: the definition's, or every output of the steps no other step reads. */
  outputs: ChainRef[];
  /** Steps whose outputs are chain outputs (their artifacts get role `output`, the others `intermediate`). */
  outputSteps: Set<string>;
}

/** Which ref types a ComfyUI parameter takes. */
function acceptedBySpec(spec: ParameterSpec): ValueType[] {
  switch (spec.type) {
    case 'image':
      return ['image'];
    case 'audio':
      return ['audio'];
    case 'text':
    case 'string':
    case 'enum':
      return ['text'];
    case 'integer':
    case 'seed':
      return ['integer', 'number'];
    case 'number':
      return ['number', 'integer'];
    default:
      return [];
  }
}

const a = (type: ValueType) => (type === 'image' || type === 'audio' ? `an ${type}` : type === 'integer' ? 'an integer' : `a ${type}`);

/** Parses and checks a definition; throws ValidationError naming every problem. `values` (the
 * chain inputs' values, known at submit) let params that come from inputs be checked too. */
export async function checkChain(raw: unknown, deps: ChainCheckDeps, values: Record<string, JsonValue> = {}): Promise<CheckedChain> {
  const parsed = chainDefinitionSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(zodIssues(parsed.error, [], raw ?? {}));
  const definition = parsed.data;
  const issues: FieldIssue[] = [];
  const inputTypes = new Map<string, ValueType>();
  definition.inputs.forEach((input, i) => {
    if (inputTypes.has(input.name)) issues.push({ field: `inputs[${i}].name`, message: `"${input.name}" is declared twice` });
    inputTypes.set(input.name, input.type);
  });
  const stepIndex = new Map<string, number>();
  definition.steps.forEach((step, i) => {
    if (stepIndex.has(step.id)) issues.push({ field: `steps[${i}].id`, message: `"${step.id}" is the id of steps[${stepIndex.get(step.id)}] too` });
    else stepIndex.set(step.id, i);
  });

  const upstream = new Map<string, string[]>(definition.steps.map((s) => [s.id, []]));
  /** The type a ref carries, or an issue at `field`. */
  const typeOf = (ref: ChainRef, field: string, from: ChainStep | null): ValueType | null => {
    const source = refSource(ref);
    if ('input' in source) {
      const type = inputTypes.get(source.input);
      if (!type) issues.push({ field, message: `there is no chain input "${source.input}" (inputs: ${[...inputTypes.keys()].join(', ') || 'none'})` });
      return type ?? null;
    }
    const index = stepIndex.get(source.step);
    if (index === undefined) {
      issues.push({ field, message: `there is no step "${source.step}" (steps: ${[...stepIndex.keys()].join(', ')})` });
      return null;
    }
    if (from) {
      if (source.step === from.id) {
        issues.push({ field, message: `a step cannot take its own output` });
        return null;
      }
      const list = upstream.get(from.id) as string[];
      if (!list.includes(source.step)) list.push(source.step);
    }
    return STEP_OUTPUT_KIND[definition.steps[index].workflow];
  };

  const presets = new Map<string, PresetRef>();
  for (const [i, step] of definition.steps.entries()) {
    const at = `steps[${i}]`;
    const kind = deps.kinds.get(step.workflow);
    // Job inputs: media refs the kind takes.
    const inputEntries = Object.entries(step.inputs);
    for (const [key, ref] of inputEntries) {
      const type = typeOf(ref, `${at}.inputs.${key}`, step);
      if (type && !(kind.inputs.kinds as readonly string[]).includes(type)) {
        issues.push({ field: `${at}.inputs.${key}`, message: `${step.workflow} takes ${kind.inputs.kinds.join(' or ')}; "${ref.from}" is ${a(type)}` });
      }
    }
    // Kinds that resolve presets (ComfyUI) take media in params; the others in `inputs`.
    const presetDriven = Boolean(kind.resolveSubmission);
    if (!presetDriven) {
      if (inputEntries.length < kind.inputs.min) issues.push({ field: `${at}.inputs`, message: `${step.workflow} needs ${kind.inputs.min} input${kind.inputs.min === 1 ? '' : 's'} (${kind.inputs.kinds.join(' or ')}), e.g. { "image": { "from": "<step>.output" } }` });
      if (inputEntries.length > kind.inputs.max) issues.push({ field: `${at}.inputs`, message: `${step.workflow} takes at most ${kind.inputs.max} input${kind.inputs.max === 1 ? '' : 's'}` });
    }

    // Params: literal values, or refs (checked for type; their value is checked when known).
    let specs: ParameterSpec[] | null = null;
    if (presetDriven && isComfyKind(step.workflow)) {
      const ref = step.preset === undefined ? null : typeof step.preset === 'string' ? { name: step.preset } : step.preset;
      if (!deps.presets) issues.push({ field: `${at}.workflow`, message: `${step.workflow} runs on ComfyUI, which is not installed here` });
      else {
        const preset = ref ? await deps.presets.get(ref.name, ref.version ?? null) : await deps.presets.defaultFor(step.workflow);
        if (!preset) {
          issues.push({ field: `${at}.preset`, message: ref ? `there is no preset "${ref.name}"${ref.version ? ` version ${ref.version}` : ''}` : `there is no ${step.workflow} preset; name one` });
        } else if (preset.kind !== step.workflow) {
          issues.push({ field: `${at}.preset`, message: `preset "${preset.name}" is a ${preset.kind} preset, not ${step.workflow}` });
        } else {
          presets.set(step.id, { name: preset.name, version: preset.version, hash: preset.hash });
          specs = preset.definition.manifest.parameters;
        }
      }
    } else if (step.preset !== undefined) {
      issues.push({ field: `${at}.preset`, message: `${step.workflow} steps take no preset (their params choose how they run)` });
    }

    const concrete: JsonObject = {};
    const unknownValue = new Set<string>();
    for (const [name, value] of Object.entries(step.params)) {
      if (!isChainRef(value)) {
        concrete[name] = value as JsonValue;
        continue;
      }
      const field = `${at}.params.${name}`;
      const type = typeOf(value, field, step);
      const source = refSource(value);
      const known = 'input' in source && values[source.input] !== undefined ? values[source.input] : undefined;
      if (known !== undefined) concrete[name] = known;
      else unknownValue.add(name);
      if (!type) continue;
      const spec = specs?.find((s) => s.name === name);
      const accepted = specs ? (spec ? acceptedBySpec(spec) : null) : (['text', 'number', 'integer'] as ValueType[]);
      if (accepted && !accepted.includes(type)) {
        const wants = spec ? `${spec.type}` : 'a text or number value (media goes in inputs)';
        issues.push({ field, message: `takes ${wants}; "${value.from}" is ${a(type)}` });
      }
    }
    const paramIssues: FieldIssue[] = [];
    if (specs) {
      paramIssues.push(...resolveParams(specs, concrete).issues);
    } else if (!presetDriven) {
      const result = kind.paramsSchema.safeParse(concrete);
      if (!result.success) paramIssues.push(...zodIssues(result.error, ['params'], concrete));
    }
    for (const issue of paramIssues) {
      const name = issue.field.replace(/^params\./, '').split(/[.[]/)[0];
      if (unknownValue.has(name)) continue; // its value comes from a step: checked when the step is due
      issues.push({ field: `${at}.${issue.field}`, message: issue.message });
    }
  }

  // Cycles: Kahn's order; whatever is left is on or behind a cycle.
  const order: string[] = [];
  const ids = [...stepIndex.keys()];
  const pending = new Map(ids.map((id) => [id, (upstream.get(id) ?? []).filter((u) => stepIndex.has(u)).length]));
  const ready = ids.filter((id) => pending.get(id) === 0);
  while (ready.length) {
    const id = ready.shift() as string;
    order.push(id);
    for (const other of ids) {
      if (!(upstream.get(other) ?? []).includes(id)) continue;
      const left = (pending.get(other) as number) - 1;
      pending.set(other, left);
      if (left === 0) ready.push(other);
    }
  }
  const stuck = ids.filter((id) => !order.includes(id));
  if (stuck.length) {
    const cycle = findCycle(stuck, upstream);
    const first = cycle[0];
    const i = stepIndex.get(first) as number;
    const step = definition.steps[i];
    const fromStep = cycle[1];
    const key = Object.entries(step.inputs).find(([, r]) => r.from === `${fromStep}.output`)?.[0];
    const param = Object.entries(step.params).find(([, v]) => isChainRef(v) && v.from === `${fromStep}.output`)?.[0];
    issues.push({
      field: key ? `steps[${i}].inputs.${key}` : param ? `steps[${i}].params.${param}` : `steps[${i}]`,
      message: `makes a cycle: ${[...cycle, first].join(' <- ')}`,
    });
  }

  const readByOthers = new Set([...upstream.values()].flat());
  const outputs: ChainRef[] = definition.outputs ?? definition.steps.filter((s) => !readByOthers.has(s.id)).map((s) => ({ from: `${s.id}.output` }));
  (definition.outputs ?? []).forEach((ref, k) => {
    const source = refSource(ref);
    if ('input' in source) issues.push({ field: `outputs[${k}]`, message: 'must be a step output ("<step id>.output"), not a chain input' });
    else typeOf(ref, `outputs[${k}]`, null);
  });
  if (issues.length) throw new ValidationError(issues);
  const outputSteps = new Set(outputs.map((r) => refSource(r)).flatMap((s) => ('step' in s ? [s.step] : [])));
  return { definition, order, upstream, presets, outputs, outputSteps };
}

/** One cycle among `stuck` steps, as step ids each taking the next one's output. */
function findCycle(stuck: string[], upstream: Map<string, string[]>): string[] {
  const inStuck = new Set(stuck);
  for (const start of stuck) {
    const path: string[] = [start];
    const seen = new Set([start]);
    let current = start;
    for (;;) {
      const next = (upstream.get(current) ?? []).find((u) => inStuck.has(u));
      if (!next) break;
      if (seen.has(next)) return path.slice(path.indexOf(next));
      path.push(next);
      seen.add(next);
      current = next;
    }
  }
  return [stuck[0]];
}

/** The steps a run of `targets` needs: those steps and everything upstream of them. */
export function stepsUpTo(chain: Pick<CheckedChain, 'upstream'>, targets: string[]): Set<string> {
  const needed = new Set<string>();
  const visit = (id: string) => {
    if (needed.has(id)) return;
    needed.add(id);
    for (const up of chain.upstream.get(id) ?? []) visit(up);
  };
  targets.forEach(visit);
  return needed;
}

/** The steps whose outputs a step reads (from its inputs and its params). */
export function upstreamOf(step: ChainStep): string[] {
  const refs = [...Object.values(step.inputs), ...Object.values(step.params).filter(isChainRef)];
  return [...new Set(refs.map(refSource).flatMap((s) => ('step' in s ? [s.step] : [])))];
}

/** A definition's outputs: its own list, or the outputs of the steps no other step reads (`all`: every output of the step). */
export function chainOutputsOf(definition: ChainDefinition): Array<{ step: string; index: number | 'all' }> {
  if (definition.outputs) {
    return definition.outputs.map(refSource).flatMap((s) => ('step' in s ? [{ step: s.step, index: s.index }] : []));
  }
  const read = new Set(definition.steps.flatMap(upstreamOf));
  return definition.steps.filter((s) => !read.has(s.id)).map((s) => ({ step: s.id, index: 'all' as const }));
}
