// Fresh or stale: a result is fresh while what made it still matches the draft. That is, the
// step as written now (workflow, preset, params, input refs), the chain input values it read,
// and, for each upstream step, the same selected result, itself fresh. Pure functions over the
// draft, its results and their jobs.
import { refSource, type ChainStep } from '../../contract/chains.js';
import type { DraftDefinition, Freshness, ResultSnapshot } from '../../contract/workbench.js';
import type { Job } from '../core/types.js';
import { refsOf, topoOrder, upstreamOf } from './graph.js';
import type { ResultRow } from './store.js';

export interface DraftContext {
  definition: DraftDefinition;
  inputValues: Record<string, string | number>;
  selections: Record<string, string>;
  /** Every result of the draft, newest first. */
  results: ResultRow[];
  jobs: Map<string, Job>;
}

export interface StepFreshness {
  stepId: string;
  freshness: Freshness;
  reasons: string[];
  selected: ResultRow | null;
  job: Job | null;
}

/** JSON with keys sorted, so equal values compare equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The part of a step that decides what its run makes (its label does not). */
export function stepRecipe(step: ChainStep): Record<string, unknown> {
  return { workflow: step.workflow, preset: step.preset ?? null, params: step.params, inputs: step.inputs };
}

/** The chain inputs a step reads. */
export function inputNamesOf(step: ChainStep): string[] {
  const names = new Set<string>();
  for (const { ref } of refsOf(step)) {
    const source = refSource(ref);
    if ('input' in source) names.add(source.input);
  }
  return [...names];
}

/** The value a chain input has now: the draft's, else the input's default. */
export function inputValueOf(definition: DraftDefinition, values: Record<string, string | number>, name: string): string | number | undefined {
  return values[name] ?? definition.inputs.find((i) => i.name === name)?.default;
}

/**
 * Why a result of `step` would not be fresh against the current selection (empty: fresh).
 * `states` holds the upstream steps' states (computed first, in run order).
 */
export function staleReasons(ctx: DraftContext, step: ChainStep, snapshot: ResultSnapshot, states: Map<string, StepFreshness>, options: { ignoreRecipe?: boolean } = {}): string[] {
  const reasons: string[] = [];
  if (!options.ignoreRecipe && canonicalJson(snapshot.step) !== canonicalJson(stepRecipe(step))) reasons.push('its params, preset or inputs were edited since this result');
  for (const name of inputNamesOf(step)) {
    if (canonicalJson(snapshot.inputValues[name]) !== canonicalJson(inputValueOf(ctx.definition, ctx.inputValues, name))) reasons.push(`chain input "${name}" changed`);
  }
  for (const up of upstreamOf(step)) {
    const upstream = states.get(up);
    if (snapshot.upstream[up] !== ctx.selections[up]) reasons.push(`upstream "${up}" has another result selected`);
    else if (upstream && upstream.freshness !== 'fresh') reasons.push(`upstream "${up}" is ${upstream.freshness}`);
  }
  return reasons;
}

/** Every step's freshness, in run order. */
export function draftFreshness(ctx: DraftContext): Map<string, StepFreshness> {
  const states = new Map<string, StepFreshness>();
  const results = new Map(ctx.results.map((r) => [r.jobId, r]));
  for (const step of topoOrder(ctx.definition.steps)) {
    const selectedId = ctx.selections[step.id];
    const selected = selectedId ? (results.get(selectedId) ?? null) : null;
    const job = selected ? (ctx.jobs.get(selected.jobId) ?? null) : null;
    if (!selected || !job || selected.stepId !== step.id) {
      states.set(step.id, { stepId: step.id, freshness: 'missing', reasons: ['no result yet'], selected: null, job: null });
      continue;
    }
    const reasons = staleReasons(ctx, step, selected.snapshot, states);
    states.set(step.id, { stepId: step.id, freshness: reasons.length ? 'stale' : 'fresh', reasons, selected, job });
  }
  return states;
}

/** Fresh and finished: what a downstream step may read. */
export function isReady(state: StepFreshness | undefined): boolean {
  return Boolean(state && state.freshness === 'fresh' && state.job?.status === 'SUCCEEDED');
}
