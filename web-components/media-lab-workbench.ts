// <media-lab-workbench api="/api/media-lab">: an admin's workbench drafts. The draft is drawn
// as a graph (<media-lab-graph>), each step a card with its status, progress, the selected
// result's preview and a fresh/stale outline, and Run / Run to here / History buttons. Below
// it the steps are edited (workflow, preset, "input from" selects, the kind's or preset's param
// fields), and the draft is run whole or exported as a chain preset.
//
// Attributes: api, token, draft-id (the open draft; default: the most recently changed)
// Events: media-lab-toast (what happened), media-lab-job-queued { job } for each step run
// Parts: toolbar, actions, graph, card (plus card-<freshness>), steps, history, run-status, error
// CSS properties: the shared tokens (--media-lab-success outlines fresh steps,
//   --media-lab-warning stale ones), and <media-lab-graph>'s edge colours
import { html, nothing, type TemplateResult } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { LabElement, messageOf } from './lab-element.js';
import { ApiError } from './api-client.js';
import { emit } from './events.js';
import { isComfyKind, WORKFLOW_KINDS, type WorkflowKind } from '../contract/jobs.js';
import type { KindInfo } from '../contract/kinds.js';
import type { PresetInfo } from '../contract/presets.js';
import type { JsonValue } from '../contract/json.js';
import type { Artifact } from '../contract/artifact.js';
import type { ChainRef } from '../contract/chains.js';
import type { Draft, DraftDefinition, DraftResult, DraftSummary, StepState } from '../contract/workbench.js';
import { displayValue, fieldsFromJsonSchema, fieldsFromPreset, parseFieldValue, type FieldSpec } from './param-fields.js';
import type { GraphEdge, GraphNode } from './media-lab-graph.js';
import { workbenchStyles } from './media-lab-workbench.styles.js';
import './media-lab-graph.js';
import './media-lab-status-badge.js';

type Step = DraftDefinition['steps'][number];

/** How often a page looks at its draft again while a run goes on (the run's end has no event). */
const RUN_POLL_MS = 2_000;
/** What a step of each kind makes (contract/chains.ts STEP_OUTPUT_KIND, kept zod-free here). */
const OUTPUT_KIND: Record<WorkflowKind, 'image' | 'video' | 'audio'> = { generate: 'image', blend: 'image', enhance: 'image', interpolate: 'video', music: 'audio', voice: 'audio' };

const isRef = (value: unknown): value is ChainRef => typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { from?: unknown }).from === 'string';

@customElement('media-lab-workbench')
export class MediaLabWorkbench extends LabElement {
  static override styles = workbenchStyles;

  @property({ attribute: 'draft-id', reflect: true }) draftId: string | null = null;

  @state() private drafts: DraftSummary[] | null = null;
  @state() private draft: Draft | null = null;
  @state() private definition: DraftDefinition | null = null;
  @state() private inputValues: Record<string, string | number> = {};
  @state() private dirty = false;
  @state() private kinds: KindInfo[] = [];
  @state() private presets: PresetInfo[] = [];
  @state() private busy: string | null = null;
  @state() private error: { message: string; fields: Array<{ field: string; message: string }> } | null = null;
  @state() private fieldErrors: Record<string, string> = {};
  @state() private historyOf: string | null = null;
  @state() private exported: string | null = null;
  @state() private progress: Record<string, number> = {};

  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private runPollTimer: ReturnType<typeof setTimeout> | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
    this.subscribe((message) => {
      if (!this.draft) return;
      const id = message.type === 'job.progress' ? message.id : message.type === 'job.updated' || message.type === 'job.finished' ? message.job.id : null;
      if (message.type === 'reconnected') return this.scheduleRefresh();
      // A workbench job this page does not know yet may be one of its draft's (a fast or reused
      // step can end before the answer that names it arrives): look again.
      const workbenchJob = (message.type === 'job.updated' || message.type === 'job.finished') && message.job.lane === 'workbench';
      if (!id || (!this.jobIds().has(id) && !workbenchJob)) return;
      if (message.type === 'job.progress') this.progress = { ...this.progress, [id]: message.progress };
      else this.scheduleRefresh();
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    if (this.runPollTimer) clearTimeout(this.runPollTimer);
  }

  /**
   * While the draft's run goes on, look again every few seconds: a run ends on the server after
   * its last job's event, and that end has no event of its own.
   */
  private pollWhileRunning(): void {
    if (this.runPollTimer) clearTimeout(this.runPollTimer);
    this.runPollTimer = null;
    if (this.draft?.run?.status !== 'running' || !this.isConnected) return;
    this.runPollTimer = setTimeout(() => {
      this.runPollTimer = null;
      void this.refresh();
    }, RUN_POLL_MS);
  }

  private jobIds(): Set<string> {
    const ids = new Set<string>();
    for (const step of this.draft?.steps ?? []) for (const r of step.results) ids.add(r.jobId);
    return ids;
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      void this.refresh();
    }, 100);
  }

  async load(): Promise<void> {
    try {
      const [kinds, presets, drafts] = await Promise.all([this.client.kinds(), this.client.presets(), this.client.listDrafts()]);
      this.kinds = kinds;
      this.presets = presets ?? [];
      this.drafts = drafts;
      const open = this.draftId ?? drafts[0]?.id ?? null;
      if (open) await this.open(open);
    } catch (error) {
      if (!this.handleAccessError(error)) this.fail(error);
    }
  }

  private async open(id: string): Promise<void> {
    const draft = await this.client.getDraft(id);
    this.show(draft, true);
    this.historyOf = null;
    this.exported = null;
  }

  /** Shows a draft from the server; the edited definition is kept while it has unsaved changes. */
  private show(draft: Draft, replaceDefinition: boolean): void {
    this.draft = draft;
    this.draftId = draft.id;
    this.pollWhileRunning();
    if (replaceDefinition || !this.dirty) {
      this.definition = structuredClone(draft.definition) as unknown as DraftDefinition;
      this.inputValues = { ...draft.inputValues };
      this.dirty = false;
    }
  }

  private async refresh(): Promise<void> {
    if (!this.draft) return;
    try {
      this.show(await this.client.getDraft(this.draft.id), false);
    } catch (error) {
      if (!this.handleAccessError(error)) this.fail(error);
    }
  }

  private fail(error: unknown): void {
    const fields = error instanceof ApiError ? (error.problem.errors ?? []).map((e) => ({ field: e.field, message: e.message })) : [];
    this.error = { message: messageOf(error), fields };
  }

  private toast(message: string, variant: 'info' | 'success' | 'error' = 'info'): void {
    emit(this, 'media-lab-toast', { message, variant });
  }

  /** Runs an action with the buttons disabled and errors shown. */
  private async act(name: string, work: () => Promise<void>): Promise<void> {
    this.busy = name;
    this.error = null;
    try {
      await work();
    } catch (error) {
      if (!this.handleAccessError(error)) this.fail(error);
    } finally {
      this.busy = null;
    }
  }

  private async saveIfDirty(): Promise<void> {
    if (!this.draft || !this.definition || !this.dirty) return;
    if (Object.keys(this.fieldErrors).length) throw new Error('Fix the fields marked in the steps first.');
    this.show(await this.client.updateDraft(this.draft.id, { definition: this.definition, inputValues: this.inputValues }), true);
    this.drafts = await this.client.listDrafts();
  }

  // --- actions ----------------------------------------------------------------------------------

  private createDraft(name: string) {
    return this.act('new-draft', async () => {
      const draft = await this.client.createDraft({ name: name || 'Untitled draft', definition: { steps: [] } });
      this.drafts = await this.client.listDrafts();
      this.show(draft, true);
      this.toast(`Draft "${draft.name}" created`, 'success');
    });
  }

  private deleteDraft() {
    const draft = this.draft;
    if (!draft) return;
    return this.act('delete-draft', async () => {
      await this.client.deleteDraft(draft.id);
      this.draft = null;
      this.definition = null;
      this.draftId = null;
      this.drafts = await this.client.listDrafts();
      if (this.drafts[0]) await this.open(this.drafts[0].id);
      this.toast(`Draft "${draft.name}" deleted; its results stay in the gallery`, 'info');
    });
  }

  private save() {
    return this.act('save', async () => {
      await this.saveIfDirty();
      this.toast('Draft saved', 'success');
    });
  }

  private runStep(stepId: string) {
    return this.act(`run:${stepId}`, async () => {
      await this.saveIfDirty();
      const { job, draft } = await this.client.runDraftStep(this.draft!.id, stepId);
      this.show(draft, false);
      emit(this, 'media-lab-job-queued', { job });
      this.toast(`Step "${stepId}" queued`, 'info');
    });
  }

  private runTo(stepId: string | null) {
    return this.act(stepId ? `to:${stepId}` : 'run-all', async () => {
      await this.saveIfDirty();
      this.show(await this.client.runDraft(this.draft!.id, stepId), false);
      this.toast(stepId ? `Running to "${stepId}"` : 'Running the whole draft', 'info');
    });
  }

  private select(stepId: string, jobId: string) {
    return this.act(`select:${jobId}`, async () => {
      await this.saveIfDirty();
      this.show(await this.client.selectDraftResult(this.draft!.id, stepId, jobId), true);
    });
  }

  private exportDraft(name: string) {
    return this.act('export', async () => {
      await this.saveIfDirty();
      const result = await this.client.exportDraft(this.draft!.id, name);
      this.exported = `Exported as chain preset "${result.name}" version ${result.version}${result.created ? '' : ' (unchanged)'}`;
      this.toast(this.exported, 'success');
    });
  }

  // --- editing ----------------------------------------------------------------------------------

  private edit(change: (definition: DraftDefinition) => void): void {
    if (!this.definition) return;
    const next = structuredClone(this.definition);
    change(next);
    this.definition = next;
    this.dirty = true;
  }

  private addStep(id: string, workflow: WorkflowKind): void {
    const steps = this.definition?.steps ?? [];
    if (!/^[a-z][a-z0-9_-]{0,39}$/.test(id) || steps.some((s) => s.id === id)) {
      this.error = { message: `"${id}" cannot be a step id: use a new name of lowercase letters, digits, _ and - that starts with a letter.`, fields: [] };
      return;
    }
    this.error = null;
    const previous = steps.at(-1);
    const step: Step = { id, workflow, params: {}, inputs: {} };
    const preset = this.presetsOf(workflow)[0];
    if (preset) step.preset = preset.name;
    // A new step reads the last step's output where its kind takes that media.
    const rule = this.kindOf(workflow)?.inputs;
    if (previous && !isComfyKind(workflow) && rule && rule.max > 0 && rule.kinds.includes(OUTPUT_KIND[previous.workflow])) {
      step.inputs = { [OUTPUT_KIND[previous.workflow]]: { from: `${previous.id}.output` } };
    } else if (!previous && !isComfyKind(workflow) && rule && rule.max > 0) {
      // The first step reads the first chain input of a media kind it takes.
      const input = this.definition?.inputs.find((i) => (rule.kinds as string[]).includes(i.type));
      if (input) step.inputs = { [input.type]: { from: `inputs.${input.name}` } };
    }
    this.edit((d) => d.steps.push(step));
  }

  private removeStep(id: string): void {
    this.edit((d) => {
      d.steps = d.steps.filter((s) => s.id !== id);
      for (const step of d.steps) {
        for (const [key, ref] of Object.entries(step.inputs)) if (ref.from === `${id}.output`) delete step.inputs[key];
        for (const [key, value] of Object.entries(step.params)) if (isRef(value) && value.from === `${id}.output`) delete step.params[key];
      }
    });
  }

  private addInput(name: string, type: DraftDefinition['inputs'][number]['type']): void {
    if (!/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/.test(name) || this.definition?.inputs.some((i) => i.name === name)) {
      this.error = { message: `"${name}" cannot be an input name: use a new name of letters, digits, _ and -.`, fields: [] };
      return;
    }
    this.error = null;
    this.edit((d) => d.inputs.push({ name, type }));
  }

  private removeInput(name: string): void {
    const values = { ...this.inputValues };
    delete values[name];
    this.inputValues = values;
    this.edit((d) => (d.inputs = d.inputs.filter((i) => i.name !== name)));
  }

  private setInputValue(name: string, value: string | number | undefined): void {
    const values = { ...this.inputValues };
    if (value === undefined || value === '') delete values[name];
    else values[name] = value;
    this.inputValues = values;
    this.dirty = true;
  }

  /** A media input's value is an artifact: the file is uploaded first. */
  private uploadInput(name: string, file: File | undefined) {
    if (!file) return;
    return this.act(`upload:${name}`, async () => {
      const artifact = await this.client.upload(file);
      this.setInputValue(name, artifact.id);
      this.toast(`Uploaded ${file.name} for input "${name}"`, 'success');
    });
  }

  private renderInputs() {
    const inputs = this.definition?.inputs ?? [];
    return html`<section part="inputs" aria-label="Chain inputs">
      <h3>Inputs</h3>
      ${inputs.map((input) => {
        const value = this.inputValues[input.name];
        const media = input.type === 'image' || input.type === 'video' || input.type === 'audio';
        return html`<div class="row" data-input=${input.name}>
          <strong>${input.name}</strong> <span class="muted">${input.type}</span>
          ${media
            ? html`<input type="file" name="inputs.${input.name}" accept="${input.type}/*" aria-label="File for input ${input.name}" @change=${(e: Event) => void this.uploadInput(input.name, (e.target as HTMLInputElement).files?.[0])} />
                <span class="muted" data-role="input-value">${value ? `artifact …${String(value).slice(-8)}` : 'no file yet'}</span>`
            : html`<input
                name="inputs.${input.name}"
                type=${input.type === 'text' ? 'text' : 'number'}
                aria-label="Value of input ${input.name}"
                .value=${value === undefined ? '' : String(value)}
                @change=${(e: Event) => {
                  const raw = (e.target as HTMLInputElement).value;
                  this.setInputValue(input.name, input.type === 'text' || raw === '' ? raw : Number(raw));
                }}
              />`}
          <button data-action="remove-input" @click=${() => this.removeInput(input.name)}>Remove input</button>
        </div>`;
      })}
      <div class="row">
        <input name="newInputName" aria-label="New input name" placeholder="input name (e.g. face)" />
        <select name="newInputType" aria-label="New input type">
          ${['image', 'video', 'audio', 'text', 'number', 'integer'].map((t) => html`<option value=${t}>${t}</option>`)}
        </select>
        <button
          data-action="add-input"
          @click=${() => {
            const name = this.renderRoot.querySelector<HTMLInputElement>('input[name="newInputName"]')!;
            const type = this.renderRoot.querySelector<HTMLSelectElement>('select[name="newInputType"]')!.value as DraftDefinition['inputs'][number]['type'];
            this.addInput(name.value.trim(), type);
            if (!this.error) name.value = '';
          }}
        >
          Add input
        </button>
      </div>
    </section>`;
  }

  private kindOf(workflow: WorkflowKind): KindInfo | undefined {
    return this.kinds.find((k) => k.kind === workflow);
  }

  private presetsOf(workflow: WorkflowKind): PresetInfo[] {
    return isComfyKind(workflow) ? this.presets.filter((p) => p.kind === workflow) : [];
  }

  private fieldsOf(step: Step): FieldSpec[] {
    if (isComfyKind(step.workflow)) {
      const name = typeof step.preset === 'string' ? step.preset : step.preset?.name;
      const preset = this.presetsOf(step.workflow).find((p) => p.name === name);
      return preset ? fieldsFromPreset(preset) : [];
    }
    return fieldsFromJsonSchema(this.kindOf(step.workflow)?.params);
  }

  /** Where a value can come from: the chain inputs and every other step's output. */
  private sourcesFor(step: Step, media: string | null): Array<{ value: string; label: string }> {
    const inputs = (this.definition?.inputs ?? []).filter((i) => !media || i.type === media).map((i) => ({ value: `inputs.${i.name}`, label: `input ${i.name}` }));
    const steps = (this.definition?.steps ?? []).filter((s) => s.id !== step.id && (!media || OUTPUT_KIND[s.workflow] === media)).map((s) => ({ value: `${s.id}.output`, label: `${s.id} (${s.workflow})` }));
    return [...inputs, ...steps];
  }

  private setParam(stepId: string, field: FieldSpec, raw: string | boolean): void {
    const key = `${stepId}.${field.name}`;
    const parsed = parseFieldValue(field, raw);
    const errors = { ...this.fieldErrors };
    if (!parsed.ok) {
      errors[key] = parsed.message;
      this.fieldErrors = errors;
      return;
    }
    delete errors[key];
    this.fieldErrors = errors;
    this.edit((d) => {
      const step = d.steps.find((s) => s.id === stepId)!;
      if (parsed.value === undefined) delete step.params[field.name];
      else step.params[field.name] = parsed.value;
    });
  }

  private setRef(stepId: string, where: 'inputs' | 'params', key: string, from: string): void {
    this.edit((d) => {
      const step = d.steps.find((s) => s.id === stepId)!;
      const bag = step[where] as Record<string, unknown>;
      if (from) bag[key] = { from };
      else delete bag[key];
    });
  }

  // --- rendering --------------------------------------------------------------------------------

  private renderToolbar() {
    return html`<div part="toolbar">
      <label class="inline"
        >Draft
        <select name="draft" @change=${(e: Event) => void this.act('open', () => this.open((e.target as HTMLSelectElement).value))} ?disabled=${!this.drafts?.length}>
          ${(this.drafts ?? []).map((d) => html`<option value=${d.id} ?selected=${d.id === this.draft?.id}>${d.name} (${d.steps} step${d.steps === 1 ? '' : 's'})</option>`)}
        </select>
      </label>
      <input name="draftName" placeholder="New draft name" aria-label="New draft name" />
      <button data-action="new-draft" ?disabled=${this.busy !== null} @click=${() => void this.createDraft((this.renderRoot.querySelector<HTMLInputElement>('input[name="draftName"]')?.value ?? '').trim())}>New draft</button>
      ${this.draft ? html`<button data-action="delete-draft" ?disabled=${this.busy !== null} @click=${() => void this.deleteDraft()}>Delete draft</button>` : nothing}
    </div>`;
  }

  private renderPreview(outputs: Artifact[]) {
    const artifact = outputs[0];
    if (!artifact) return html`<span class="muted">no output yet</span>`;
    const src = this.client.mediaUrl(artifact.contentUrl);
    if (artifact.kind === 'image') return html`<img data-role="result-preview" src=${this.client.mediaUrl(artifact.thumbnailUrl ?? artifact.contentUrl)} alt="Result of the step" />`;
    if (artifact.kind === 'video') return html`<video data-role="result-preview" src=${src} controls muted preload="metadata"></video>`;
    return html`<audio data-role="result-preview" src=${src} controls preload="metadata"></audio>`;
  }

  private renderCard(step: Step, state: StepState | undefined) {
    const selected = state?.selected ?? null;
    const freshness = state?.freshness ?? 'missing';
    const running = selected && (selected.status === 'QUEUED' || selected.status === 'RUNNING');
    const progress = selected ? (this.progress[selected.jobId] ?? selected.progress) : 0;
    const busy = this.busy !== null;
    return html`<article slot="node-${step.id}" part="card card-${freshness}" data-step=${step.id} data-freshness=${freshness} aria-label="Step ${step.id}">
      <header>
        <h3>${step.label ?? step.id}</h3>
        <span class="freshness" data-role="freshness" data-freshness=${freshness} title=${(state?.reasons ?? []).join('; ')}>${freshness}</span>
      </header>
      <div class="muted">${step.workflow}${step.preset ? html` · ${typeof step.preset === 'string' ? step.preset : step.preset.name}` : nothing}</div>
      ${selected ? html`<media-lab-status-badge status=${selected.status}></media-lab-status-badge>` : nothing}
      ${selected?.job.reusedFromJobId
        ? html`<span class="muted" data-role="reused" title="An identical earlier run (job ${selected.job.reusedFromJobId}) stands in: nothing ran again">reused</span>`
        : nothing}
      ${running ? html`<progress max="1" value=${progress} aria-label="Progress of ${step.id}"></progress>` : nothing}
      ${selected?.status === 'FAILED' ? html`<div class="field-error" data-role="step-error">${selected.errorMessage ?? selected.errorCode}</div>` : nothing}
      <div class="preview">${selected ? this.renderPreview(selected.outputs) : html`<span class="muted">not run yet</span>`}</div>
      <div class="buttons">
        <button class="primary" data-action="run-step" ?disabled=${busy} @click=${() => void this.runStep(step.id)}>Run</button>
        <button data-action="run-to-here" ?disabled=${busy} @click=${() => void this.runTo(step.id)}>Run to here</button>
        <button data-action="history" aria-expanded=${this.historyOf === step.id ? 'true' : 'false'} @click=${() => (this.historyOf = this.historyOf === step.id ? null : step.id)}>
          History (${state?.results.length ?? 0})
        </button>
      </div>
    </article>`;
  }

  private renderHistory(state: StepState | undefined) {
    if (!state || this.historyOf !== state.stepId) return nothing;
    return html`<section part="history" data-history=${state.stepId} aria-label="Results of ${state.stepId}">
      <h3>Results of "${state.stepId}"</h3>
      ${state.results.length === 0
        ? html`<p class="muted">No results yet.</p>`
        : html`<table>
            <thead><tr><th>When</th><th>Status</th><th>Params</th><th>Inputs</th><th>Fresh?</th><th></th></tr></thead>
            <tbody>
              ${state.results.map((r: DraftResult) => {
                const isSelected = state.selected?.jobId === r.jobId;
                return html`<tr data-job-id=${r.jobId} data-selected=${isSelected ? 'true' : 'false'}>
                  <td>${new Date(r.createdAt).toLocaleTimeString()}</td>
                  <td><media-lab-status-badge status=${r.status}></media-lab-status-badge>${r.job.reusedFromJobId ? html` <span class="muted" data-role="reused">reused</span>` : nothing}</td>
                  <td><code>${JSON.stringify(r.job.params)}</code></td>
                  <td><code>${Object.entries(r.snapshot.artifacts).map(([at, id]) => `${at}=${id.slice(-8)}`).join(', ') || '–'}</code></td>
                  <td data-role="result-freshness">${r.freshness}</td>
                  <td>${isSelected ? html`<span class="muted">selected</span>` : html`<button data-action="select-result" ?disabled=${this.busy !== null} @click=${() => void this.select(state.stepId, r.jobId)}>Select</button>`}</td>
                </tr>`;
              })}
            </tbody>
          </table>`}
    </section>`;
  }

  private renderRefSelect(step: Step, where: 'inputs' | 'params', key: string, media: string | null, label: string) {
    const bag = step[where] as Record<string, unknown>;
    const current = isRef(bag[key]) ? (bag[key] as ChainRef).from : '';
    return html`<label
      >${label}
      <select name="${where}.${key}" data-step=${step.id} @change=${(e: Event) => this.setRef(step.id, where, key, (e.target as HTMLSelectElement).value)}>
        <option value="">(none)</option>
        ${this.sourcesFor(step, media).map((s) => html`<option value=${s.value} ?selected=${s.value === current}>${s.label}</option>`)}
      </select>
    </label>`;
  }

  private renderField(step: Step, field: FieldSpec): TemplateResult {
    if (field.control === 'file') return this.renderRefSelect(step, 'params', field.name, field.accept?.[0] ?? null, `${field.label} from`);
    const value = step.params[field.name] as JsonValue | undefined;
    const error = this.fieldErrors[`${step.id}.${field.name}`];
    const name = `params.${field.name}`;
    const onChange = (e: Event) => {
      const target = e.target as HTMLInputElement;
      this.setParam(step.id, field, target.type === 'checkbox' ? target.checked : target.value);
    };
    let control: TemplateResult;
    if (field.control === 'select') {
      control = html`<select name=${name} data-step=${step.id} @change=${onChange}>
        <option value="" ?selected=${value === undefined}>(default${field.default !== undefined ? `: ${displayValue(field.default)}` : ''})</option>
        ${(field.options ?? []).map((o) => html`<option value=${String(o.value)} ?selected=${value !== undefined && String(o.value) === String(value)}>${o.label}</option>`)}
      </select>`;
    } else if (field.control === 'checkbox') {
      control = html`<input type="checkbox" name=${name} data-step=${step.id} .checked=${Boolean(value ?? field.default)} @change=${onChange} />`;
    } else if (field.control === 'textarea') {
      control = html`<textarea name=${name} data-step=${step.id} rows="2" placeholder=${displayValue(field.default)} .value=${displayValue(value)} @change=${onChange}></textarea>`;
    } else {
      control = html`<input
        type=${field.control === 'number' ? 'number' : 'text'}
        name=${name}
        data-step=${step.id}
        min=${field.min ?? nothing}
        max=${field.max ?? nothing}
        step=${field.step ?? 'any'}
        placeholder=${displayValue(field.default)}
        .value=${displayValue(value)}
        @change=${onChange}
      />`;
    }
    return html`<label title=${field.help ?? ''}>${field.label}${control}${error ? html`<span class="field-error">${error}</span>` : nothing}</label>`;
  }

  private renderStepEditor(step: Step, index: number) {
    const presets = this.presetsOf(step.workflow);
    const rule = this.kindOf(step.workflow)?.inputs;
    const presetName = typeof step.preset === 'string' ? step.preset : step.preset?.name;
    const issues = (this.error?.fields ?? []).filter((f) => f.field.startsWith(`definition.steps[${index}]`));
    return html`<fieldset data-step-editor=${step.id}>
      <legend>${step.id} · ${step.workflow}</legend>
      <div class="fields">
        ${presets.length
          ? html`<label
              >Preset
              <select name="preset" data-step=${step.id} @change=${(e: Event) => this.edit((d) => (d.steps[index]!.preset = (e.target as HTMLSelectElement).value))}>
                ${presets.map((p) => html`<option value=${p.name} ?selected=${p.name === presetName}>${p.name} (v${p.version})</option>`)}
              </select>
            </label>`
          : nothing}
        ${!isComfyKind(step.workflow) && rule && rule.max > 0 ? rule.kinds.map((media) => this.renderRefSelect(step, 'inputs', media, media, `Input ${media} from`)) : nothing}
        ${this.fieldsOf(step).map((field) => this.renderField(step, field))}
      </div>
      ${issues.map((i) => html`<p class="field-error" data-field=${i.field}>${i.field}: ${i.message}</p>`)}
      <button data-action="remove-step" @click=${() => this.removeStep(step.id)}>Remove step</button>
    </fieldset>`;
  }

  private renderRunStatus() {
    const run = this.draft?.run;
    if (!run) return nothing;
    const what = run.target ? `to "${run.target}"` : 'of the whole draft';
    const text = run.status === 'running' ? `Running ${what}…` : run.status === 'succeeded' ? `The run ${what} finished.` : `The run ${what} failed: ${run.error ?? ''}`;
    return html`<p part="run-status" data-role="run-status" data-status=${run.status} role="status">${text}</p>`;
  }

  override render() {
    if (this.accessProblem) return html`<div class="notice" role="alert">${this.accessProblem.detail ?? this.accessProblem.title}</div>`;
    if (this.drafts === null && !this.error) return html`<p aria-busy="true">Loading the workbench…</p>`;
    const definition = this.definition;
    const states = new Map((this.draft?.steps ?? []).map((s) => [s.stepId, s]));
    const nodes: GraphNode[] = (definition?.steps ?? []).map((s) => ({ id: s.id, width: 230, height: 240 }));
    const savedIds = new Set((this.draft?.steps ?? []).map((s) => s.stepId));
    const edges: GraphEdge[] = this.dirty
      ? (definition?.steps ?? []).flatMap((s) => [...Object.values(s.inputs), ...Object.values(s.params).filter(isRef)].filter((r) => !r.from.startsWith('inputs.')).map((r) => ({ from: r.from.split('.')[0]!, to: s.id })))
      : (this.draft?.edges ?? []).filter((e) => savedIds.has(e.from)).map((e) => ({ from: e.from, to: e.to, state: e.freshness, label: e.at }));
    const busy = this.busy !== null;
    return html`${this.renderToolbar()}
      ${this.error
        ? html`<div part="error" role="alert" data-role="error">${this.error.message}${this.error.fields.length ? html`<ul>${this.error.fields.map((f) => html`<li data-field=${f.field}>${f.field}: ${f.message}</li>`)}</ul>` : nothing}</div>`
        : nothing}
      ${this.draft && definition
        ? html`<div part="actions">
              <button data-action="save-draft" ?disabled=${!this.dirty || busy} @click=${() => void this.save()}>${this.dirty ? 'Save changes' : 'Saved'}</button>
              <button class="primary" data-action="run-all" ?disabled=${busy || !definition.steps.length} @click=${() => void this.runTo(null)}>Run all</button>
              <input name="exportName" aria-label="Chain preset name" placeholder="chain preset name" value=${this.draft.name.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '')} />
              <button data-action="export" ?disabled=${busy || !definition.steps.length} @click=${() => void this.exportDraft(this.renderRoot.querySelector<HTMLInputElement>('input[name="exportName"]')!.value.trim())}>
                Export as chain preset
              </button>
              ${this.exported ? html`<span data-role="exported" role="status">${this.exported}</span>` : nothing}
            </div>
            ${this.renderRunStatus()}
            ${definition.steps.length
              ? html`<media-lab-graph part="graph" .nodes=${nodes} .edges=${edges}>${definition.steps.map((s) => this.renderCard(s, this.dirty && !savedIds.has(s.id) ? undefined : states.get(s.id)))}</media-lab-graph>`
              : html`<p class="muted">This draft has no steps yet: add one below.</p>`}
            ${this.historyOf ? this.renderHistory(states.get(this.historyOf)) : nothing}
            ${this.renderInputs()}
            <section part="steps" aria-label="Steps">
              <h3>Steps</h3>
              ${definition.steps.map((s, i) => this.renderStepEditor(s, i))}
              <div class="row">
                <input name="newStepId" aria-label="New step id" placeholder="step id (e.g. upscale)" />
                <select name="newStepWorkflow" aria-label="New step workflow">
                  ${WORKFLOW_KINDS.map((k) => html`<option value=${k}>${k}</option>`)}
                </select>
                <button
                  data-action="add-step"
                  @click=${() => {
                    const id = this.renderRoot.querySelector<HTMLInputElement>('input[name="newStepId"]')!;
                    const workflow = this.renderRoot.querySelector<HTMLSelectElement>('select[name="newStepWorkflow"]')!.value as WorkflowKind;
                    this.addStep(id.value.trim(), workflow);
                    if (!this.error) id.value = '';
                  }}
                >
                  Add step
                </button>
              </div>
            </section>`
        : html`<p class="muted">No draft open: name one and press "New draft".</p>`}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'media-lab-workbench': MediaLabWorkbench;
  }
}
