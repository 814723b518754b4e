// A draft's graph: where each step reads its values (refs in `inputs` and in media params),
// the order steps can run in, and the checks a draft must pass to be saved (unique ids, refs to
// known inputs and earlier-declared or acyclic steps, a step output's media kind that the
// reading kind takes). Params themselves are checked when a step runs (the kind's own schema).
import { isChainRef, refSource, STEP_OUTPUT_KIND, type ChainRef, type ChainStep } from '../../contract/chains.js';
import type { DraftDefinition } from '../../contract/workbench.js';
import type { FieldIssue } from '../core/errors.js';
import type { KindRegistry } from '../kinds/registry.js';

/** One place a step reads a ref: `inputs.image`, `params.reference`, `params.images[1]`. */
export interface RefUse {
  at: string;
  ref: ChainRef;
}

/** Every ref a step reads, in a stable order (inputs in key order, then params). */
export function refsOf(step: ChainStep): RefUse[] {
  const uses: RefUse[] = Object.entries(step.inputs).map(([key, ref]) => ({ at: `inputs.${key}`, ref }));
  for (const [key, value] of Object.entries(step.params)) {
    if (isChainRef(value)) uses.push({ at: `params.${key}`, ref: value });
    else if (Array.isArray(value)) value.forEach((item, i) => isChainRef(item) && uses.push({ at: `params.${key}[${i}]`, ref: item }));
  }
  return uses;
}

/** The step ids a step reads from, each once. */
export function upstreamOf(step: ChainStep): string[] {
  const ids = new Set<string>();
  for (const { ref } of refsOf(step)) {
    const source = refSource(ref);
    if ('step' in source) ids.add(source.step);
  }
  return [...ids];
}

/** Steps in an order where each comes after those it reads (the draft's order where it can). */
export function topoOrder(steps: ChainStep[]): ChainStep[] {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const done = new Set<string>();
  const out: ChainStep[] = [];
  const visit = (step: ChainStep, trail: Set<string>) => {
    if (done.has(step.id) || trail.has(step.id)) return;
    trail.add(step.id);
    for (const id of upstreamOf(step)) {
      const up = byId.get(id);
      if (up) visit(up, trail);
    }
    done.add(step.id);
    out.push(step);
  };
  for (const step of steps) visit(step, new Set());
  return out;
}

/** The step and every step it depends on, in run order. */
export function closureOf(steps: ChainStep[], target: string): ChainStep[] {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const wanted = new Set<string>();
  const add = (id: string) => {
    if (wanted.has(id) || !byId.has(id)) return;
    wanted.add(id);
    for (const up of upstreamOf(byId.get(id) as ChainStep)) add(up);
  };
  add(target);
  return topoOrder(steps).filter((s) => wanted.has(s.id));
}

/** The steps that read `id`, directly or through others, in run order. */
export function downstreamOf(steps: ChainStep[], id: string): ChainStep[] {
  const reached = new Set<string>([id]);
  const ordered = topoOrder(steps);
  for (const step of ordered) if (upstreamOf(step).some((u) => reached.has(u))) reached.add(step.id);
  return ordered.filter((s) => s.id !== id && reached.has(s.id));
}

/** What is wrong with a draft's graph, each issue naming its path under `definition`. */
export function graphIssues(definition: DraftDefinition, kinds: KindRegistry): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const path = (i: number, rest: string) => `definition.steps[${i}].${rest}`;
  const index = new Map<string, number>();
  definition.steps.forEach((step, i) => {
    if (index.has(step.id)) issues.push({ field: path(i, 'id'), message: `"${step.id}" is already the id of steps[${index.get(step.id)}]` });
    else index.set(step.id, i);
  });
  const inputs = new Map(definition.inputs.map((input) => [input.name, input]));
  definition.steps.forEach((step, i) => {
    const rule = kinds.get(step.workflow).inputs;
    for (const { at, ref } of refsOf(step)) {
      const source = refSource(ref);
      if ('input' in source) {
        const input = inputs.get(source.input);
        if (!input) issues.push({ field: path(i, at), message: `reads chain input "${source.input}", which the draft does not declare` });
        else if (at.startsWith('inputs.') && !(rule.kinds as string[]).includes(input.type)) {
          issues.push({ field: path(i, at), message: `reads chain input "${source.input}" (${input.type}); ${step.workflow} takes ${rule.kinds.join(' or ')}` });
        }
        continue;
      }
      const from = index.get(source.step);
      if (from === undefined) {
        issues.push({ field: path(i, at), message: `reads step "${source.step}", which the draft does not have` });
        continue;
      }
      if (source.step === step.id) {
        issues.push({ field: path(i, at), message: 'a step cannot read its own output' });
        continue;
      }
      const made = STEP_OUTPUT_KIND[definition.steps[from]!.workflow];
      if (at.startsWith('inputs.') && !rule.kinds.includes(made)) {
        issues.push({ field: path(i, at), message: `step "${source.step}" makes ${made}; ${step.workflow} takes ${rule.kinds.join(' or ')}` });
      }
    }
  });
  const cycle = findCycle(definition.steps);
  if (cycle) issues.push({ field: path(index.get(cycle[0]!) ?? 0, 'inputs'), message: `the steps read each other in a loop: ${[...cycle, cycle[0]].join(' -> ')}` });
  return issues;
}

/** A loop of step ids, or null. */
function findCycle(steps: ChainStep[]): string[] | null {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | null => {
    if (state.get(id) === 'done') return null;
    if (state.get(id) === 'visiting') return stack.slice(stack.indexOf(id));
    const step = byId.get(id);
    if (!step) return null;
    state.set(id, 'visiting');
    stack.push(id);
    for (const up of upstreamOf(step)) {
      if (up === id) continue;
      const found = visit(up);
      if (found) return found;
    }
    stack.pop();
    state.set(id, 'done');
    return null;
  };
  for (const step of steps) {
    const found = visit(step.id);
    if (found) return found;
  }
  return null;
}
