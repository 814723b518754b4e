// <media-lab-job-form workflow="enhance">: the submit form of one workflow, built from the server's
// parameter schemas: a ComfyUI preset's parameters when GET /presets lists presets for the
// workflow (with `select[name="preset"]`), otherwise the kind's JSON Schema from GET /kinds.
// Defaults, bounds and help text come from the schema. Files are uploaded first
// (`input[name="sourceImage"]`, `sourceVideo`, `sourceAudio`), then the job is submitted; an
// uploaded file keeps its artifact id, so a submit after a field error does not upload it again.
// The server's field errors appear next to the fields they name. Interpolate uploads its video as
// soon as it is chosen and offers the target rates that video allows (2x preselected), and only
// the modes this server runs. Where the host offers media sources (GET /sources), each file field
// also has a <media-lab-source-picker>: a picked item is imported and used instead of an upload
// (`[data-picked-for="<field>"]` shows it).
//
// Attributes: api, token, workflow
// Properties: kind (KindInfo), presets (PresetInfo[] | null): set by <media-lab-app>; loaded when absent
// Events: media-lab-job-queued { job }, media-lab-submit-error { problem }, media-lab-toast
// Parts: form, description, availability, field (plus field-wide), help, field-error, actions,
//   submit, form-error
import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { keyed } from 'lit/directives/keyed.js';
import { LabElement, messageOf } from './lab-element.js';
import { ApiError } from './api-client.js';
import type { WorkflowKind } from '../contract/jobs.js';
import type { JsonObject } from '../contract/json.js';
import type { KindInfo } from '../contract/kinds.js';
import type { PresetInfo } from '../contract/presets.js';
import type { SourceInfo } from '../contract/sources.js';
import type { ClientProblem as Problem } from './api-client.js';
import './media-lab-source-picker.js';
import { emit } from './events.js';
import { accessNotice } from './access-notice.js';
import { ACCEPT_BY_KIND, displayValue, fieldOfIssue, fieldsFromJsonSchema, fieldsFromPreset, parseFieldValue, uploadFields, type FieldSpec } from './param-fields.js';
import { capitalise } from './format.js';
import { interpolateFields } from './interpolate-fields.js';
import type { InterpolateChoices } from '../contract/interpolate.js';
import { jobFormStyles } from './media-lab-job-form.styles.js';

type Phase = 'idle' | 'uploading' | 'submitting';

/** Presets GET /presets lists for one workflow kind. */
export function presetsFor(presets: PresetInfo[] | null | undefined, workflow: WorkflowKind): PresetInfo[] {
  return (presets ?? []).filter((p) => p.kind === workflow);
}

/** " (1 to 150)", " (at least 0)", " (more than 0, at most 480)" or "". */
function boundsText(field: FieldSpec): string {
  const low = field.min !== undefined ? { text: `at least ${field.min}`, value: field.min } : field.above !== undefined ? { text: `more than ${field.above}`, value: field.above } : null;
  // A seed's 2^53-1 is no bound worth showing (the field still checks it).
  const high = field.max !== undefined && field.max < Number.MAX_SAFE_INTEGER ? { text: `at most ${field.max}`, value: field.max } : field.below !== undefined ? { text: `less than ${field.below}`, value: field.below } : null;
  if (low && high && field.min !== undefined && field.max !== undefined) return ` (${low.value} to ${high.value})`;
  const parts = [low?.text, high?.text].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** Which files a file input holds (a different choice uploads again; the same one does not). */
function signatureOf(files: File[]): string {
  return files.map((f) => `${f.name}:${f.size}:${f.lastModified}`).join('|');
}

function idempotencyKey(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

@customElement('media-lab-job-form')
export class MediaLabJobForm extends LabElement {
  static override styles = jobFormStyles;

  @property({ reflect: true }) workflow: WorkflowKind = 'enhance';
  @property({ attribute: false }) kind: KindInfo | null = null;
  /** All presets (any workflow); null when the server has no /presets route. */
  @property({ attribute: false }) presets: PresetInfo[] | null = null;

  @state() private presetName: string | null = null;
  @state() private fieldErrors: Record<string, string> = {};
  @state() private formError: string | null = null;
  @state() private phase: Phase = 'idle';
  @state() private loadError: string | null = null;
  /** Interpolate: what the chosen video allows (null until it is uploaded and answered). */
  @state() private interpolateChoices: InterpolateChoices | null = null;
  /** Artifact ids of files already uploaded, by field, with which files they were. */
  private readonly uploaded = new Map<string, { signature: string; ids: string[] }>();
  /** The latest file choice being probed (an older answer arriving late is dropped). */
  private probeTicket = 0;
  /** The host's media sources, offered beside each upload. */
  @state() private sources: SourceInfo[] = [];
  /** Artifacts picked from a source, by field name (used instead of an upload). */
  @state() private picked: Record<string, Array<{ id: string; label: string }>> = {};

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.kind) void this.loadSchemas();
    void this.client
      .sources()
      .then((sources) => (this.sources = sources))
      .catch(() => undefined); // no sources: uploads only
  }

  private onPicked(field: FieldSpec, event: CustomEvent<{ artifact: { id: string }; source: SourceInfo; item: { label: string } }>): void {
    const entry = { id: event.detail.artifact.id, label: `${event.detail.item.label} (${event.detail.source.label})` };
    const earlier = field.multiple ? (this.picked[field.name] ?? []).filter((p) => p.id !== entry.id) : [];
    this.picked = { ...this.picked, [field.name]: [...earlier, entry] };
    const input = this.control<HTMLInputElement>(field.name);
    if (input && !field.multiple) input.value = ''; // the picked item replaces a chosen file
    const { [field.name]: _cleared, ...rest } = this.fieldErrors;
    this.fieldErrors = rest;
  }

  private unpick(name: string, id: string): void {
    this.picked = { ...this.picked, [name]: (this.picked[name] ?? []).filter((p) => p.id !== id) };
  }

  /** Standalone use: fetch the kind's schema and the presets ourselves. */
  private async loadSchemas(): Promise<void> {
    try {
      const [kinds, presets] = await Promise.all([this.client.kinds(), this.client.presets()]);
      this.kind = kinds.find((k) => k.kind === this.workflow) ?? null;
      this.presets = presets;
    } catch (error) {
      if (!this.handleAccessError(error)) this.loadError = messageOf(error);
    }
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('presets') || changed.has('workflow')) {
      const available = presetsFor(this.presets, this.workflow);
      if (!available.some((p) => p.name === this.presetName)) this.presetName = available[0]?.name ?? null;
    }
  }

  private get workflowPresets(): PresetInfo[] {
    return presetsFor(this.presets, this.workflow);
  }

  private get selectedPreset(): PresetInfo | null {
    return this.workflowPresets.find((p) => p.name === this.presetName) ?? null;
  }

  /**
   * A preset's parameters (its media parameters are its uploads), or the kind's parameters plus
   * one upload field per media kind the kind takes.
   */
  private get fields(): { params: FieldSpec[]; uploads: FieldSpec[] } {
    const preset = this.selectedPreset;
    if (preset) return { params: fieldsFromPreset(preset), uploads: [] };
    const params = fieldsFromJsonSchema(this.kind?.params);
    return {
      params: this.workflow === 'interpolate' ? interpolateFields(params, this.kind, this.interpolateChoices) : params,
      uploads: uploadFields(this.kind?.inputs),
    };
  }

  private control<T extends HTMLElement>(name: string): T | null {
    return this.renderRoot.querySelector<T>(`[name="${CSS.escape(name)}"]`);
  }

  private filesOf(name: string): File[] {
    return [...(this.control<HTMLInputElement>(name)?.files ?? [])];
  }

  private async onSubmit(event: Event): Promise<void> {
    event.preventDefault();
    if (this.phase !== 'idle') return;
    this.fieldErrors = {};
    this.formError = null;
    const { params: paramFields, uploads } = this.fields;
    const errors: Record<string, string> = {};
    const params: JsonObject = {};

    for (const field of paramFields) {
      if (field.control === 'file') {
        if (field.required && !this.filesOf(field.name).length && !this.picked[field.name]?.length) errors[field.name] = 'Choose a file.';
        continue;
      }
      const element = this.control<HTMLInputElement>(field.name);
      const parsed = parseFieldValue(field, field.control === 'checkbox' ? Boolean(element?.checked) : (element?.value ?? ''));
      if (!parsed.ok) errors[field.name] = field.placeholder && !field.options?.length ? `${field.placeholder}.` : parsed.message;
      else if (parsed.value !== undefined) params[field.name] = parsed.value;
    }
    for (const field of uploads) {
      if (field.required && !this.filesOf(field.name).length && !this.picked[field.name]?.length) errors[field.name] = `Choose ${field.accept?.[0] === 'image' ? 'an image' : `a ${field.accept?.[0] ?? ''} file`} to upload.`;
    }
    if (Object.keys(errors).length) {
      this.showErrors(errors);
      return;
    }

    try {
      this.phase = 'uploading';
      const inputs: string[] = [];
      for (const field of [...paramFields.filter((f) => f.control === 'file'), ...uploads]) {
        const uploaded = await this.uploadField(field);
        if (uploaded === null) return;
        const ids = [...(this.picked[field.name] ?? []).map((p) => p.id), ...uploaded];
        if (uploads.includes(field)) inputs.push(...ids);
        else if (ids.length) params[field.name] = field.multiple ? ids : ids[0];
      }
      this.phase = 'submitting';
      const preset = this.selectedPreset;
      const response = await this.client.submitJob(
        { workflow: this.workflow, ...(preset ? { preset: preset.name } : {}), params, inputs },
        idempotencyKey(),
      );
      emit(this, 'media-lab-job-queued', { job: response.job });
      emit(this, 'media-lab-toast', { message: `Job queued: ${this.workflow} ${response.id.slice(0, 8)}`, variant: 'success' });
    } catch (error) {
      this.showServerError(error);
    } finally {
      this.phase = 'idle';
    }
  }

  /**
   * Uploads a file field's files, or reuses the ids of the same files uploaded before; null when
   * an upload was refused (the error is shown by the field).
   */
  private async uploadField(field: FieldSpec): Promise<string[] | null> {
    const files = this.filesOf(field.name);
    const signature = signatureOf(files);
    const earlier = this.uploaded.get(field.name);
    if (earlier && earlier.signature === signature) return earlier.ids;
    const ids: string[] = [];
    for (const file of files) {
      try {
        ids.push((await this.client.upload(file)).id);
      } catch (error) {
        if (this.handleAccessError(error)) return null;
        this.showErrors({ [field.name]: `${file.name}: ${messageOf(error)}` });
        return null;
      }
    }
    this.uploaded.set(field.name, { signature, ids });
    return ids;
  }

  /** A new file choice: interpolate uploads the video now and asks what it allows. */
  private async onFileChange(field: FieldSpec): Promise<void> {
    const { [field.name]: _cleared, ...rest } = this.fieldErrors;
    this.fieldErrors = rest;
    if (this.workflow !== 'interpolate' || this.selectedPreset || !field.accept?.includes('video')) return;
    const ticket = ++this.probeTicket;
    this.interpolateChoices = null;
    if (!this.filesOf(field.name).length) return;
    this.phase = 'uploading';
    try {
      const ids = await this.uploadField(field);
      if (!ids?.length || ticket !== this.probeTicket) return;
      const choices = await this.client.interpolateOptions(ids[0]!);
      if (ticket !== this.probeTicket) return;
      this.interpolateChoices = choices;
      if (choices.reason) this.showErrors({ [field.name]: choices.reason });
    } catch (error) {
      if (!this.handleAccessError(error)) this.showErrors({ [field.name]: messageOf(error) });
    } finally {
      if (ticket === this.probeTicket) this.phase = 'idle';
    }
  }

  private showServerError(error: unknown): void {
    if (this.handleAccessError(error)) return;
    if (!(error instanceof ApiError)) {
      this.formError = messageOf(error);
      return;
    }
    const problem: Problem = error.problem;
    emit(this, 'media-lab-submit-error', { problem });
    const { params, uploads } = this.fields;
    const known = new Set([...params, ...uploads].map((f) => f.name));
    const errors: Record<string, string> = {};
    const unplaced: string[] = [];
    for (const issue of error.fieldErrors) {
      let name = fieldOfIssue(issue.field);
      if (name === 'inputs') name = uploads[0]?.name ?? params.find((f) => f.control === 'file')?.name ?? name;
      if (name === 'preset' && this.workflowPresets.length) known.add('preset');
      if (known.has(name)) errors[name] = errors[name] ? `${errors[name]} ${issue.message}` : issue.message;
      else unplaced.push(`${issue.field}: ${issue.message}`);
    }
    if (Object.keys(errors).length) this.showErrors(errors);
    if (unplaced.length || !Object.keys(errors).length) this.formError = unplaced.length ? unplaced.join(' ') : (problem.detail ?? problem.title);
  }

  private showErrors(errors: Record<string, string>): void {
    this.fieldErrors = { ...this.fieldErrors, ...errors };
    const first = Object.keys(errors)[0];
    void this.updateComplete.then(() => this.control(first)?.focus());
  }

  private renderError(name: string) {
    const message = this.fieldErrors[name];
    return message ? html`<p part="field-error" id="${name}-error" data-error-for=${name} role="alert">${message}</p>` : nothing;
  }

  private describedBy(field: FieldSpec): string {
    return [field.help ? `${field.name}-help` : '', this.fieldErrors[field.name] ? `${field.name}-error` : ''].filter(Boolean).join(' ');
  }

  private renderControl(field: FieldSpec) {
    const id = `field-${field.name}`;
    const invalid = this.fieldErrors[field.name] ? 'true' : 'false';
    const describedBy = this.describedBy(field);
    const value = displayValue(field.default);
    switch (field.control) {
      case 'select':
        return html`<select id=${id} name=${field.name} aria-invalid=${invalid} aria-describedby=${describedBy} ?required=${field.required}>
          ${field.placeholder && !field.options?.length ? html`<option value="">${field.placeholder}</option>` : nothing}
          ${field.required || field.default !== undefined ? nothing : html`<option value="">${field.emptyLabel ?? '(server default)'}</option>`}
          ${(field.options ?? []).map((o) => html`<option value=${String(o.value)} ?selected=${String(o.value) === value}>${o.label}</option>`)}
        </select>`;
      case 'checkbox':
        return html`<span class="checkbox"><input id=${id} type="checkbox" name=${field.name} ?checked=${field.default === true} aria-describedby=${describedBy} /></span>`;
      case 'textarea':
        return html`<textarea id=${id} name=${field.name} maxlength=${field.maxLength ?? nothing} aria-invalid=${invalid} aria-describedby=${describedBy} ?required=${field.required} .value=${value}></textarea>`;
      case 'number':
        return html`<input
          id=${id}
          type="number"
          inputmode=${field.integer ? 'numeric' : 'decimal'}
          name=${field.name}
          value=${value}
          min=${field.min ?? nothing}
          max=${field.max ?? nothing}
          step=${field.step ?? 'any'}
          placeholder=${field.required ? '' : 'server default'}
          aria-invalid=${invalid}
          aria-describedby=${describedBy}
          ?required=${field.required}
        />`;
      case 'file':
        return html`<input
            id=${id}
            type="file"
            name=${field.name}
            accept=${(field.accept ?? []).map((k) => ACCEPT_BY_KIND[k]).join(',')}
            ?multiple=${field.multiple}
            aria-invalid=${invalid}
            aria-describedby=${describedBy}
            ?required=${field.required}
            @change=${() => {
              if (!field.multiple) this.picked = { ...this.picked, [field.name]: [] };
              void this.onFileChange(field);
            }}
          />
          ${this.renderPicked(field)}
          <media-lab-source-picker
            api=${this.api}
            .token=${this.token}
            .sources=${this.sources}
            .accept=${field.accept ?? []}
            label=${field.label}
            data-for=${field.name}
            @media-lab-source-picked=${(e: CustomEvent<{ artifact: { id: string }; source: SourceInfo; item: { label: string } }>) => this.onPicked(field, e)}
          ></media-lab-source-picker>`;
      default:
        return html`<input id=${id} type="text" name=${field.name} value=${value} maxlength=${field.maxLength ?? nothing} aria-invalid=${invalid} aria-describedby=${describedBy} ?required=${field.required} />`;
    }
  }

  private renderPicked(field: FieldSpec) {
    const picked = this.picked[field.name] ?? [];
    if (!picked.length) return nothing;
    return html`<ul class="picked" data-picked-for=${field.name}>
      ${picked.map(
        (p) => html`<li data-artifact=${p.id}>
          Using ${p.label}
          <button type="button" data-action="unpick" aria-label="Stop using ${p.label}" @click=${() => this.unpick(field.name, p.id)}>Remove</button>
        </li>`,
      )}
    </ul>`;
  }

  private renderField(field: FieldSpec) {
    const wide = field.control === 'textarea' || field.control === 'file';
    const labelFor = `field-${field.name}`;
    const bounds = field.control === 'number' ? boundsText(field) : '';
    return html`<div part="field${wide ? ' field-wide' : ''}" data-field=${field.name}>
      <label for=${labelFor}>${field.label}${field.required ? html` <span class="required" aria-hidden="true">*</span>` : nothing}</label>
      ${field.control === 'select' ? keyed(`${(field.options ?? []).map((o) => String(o.value)).join(',')}|${String(field.default)}`, this.renderControl(field)) : this.renderControl(field)}
      ${field.help || bounds ? html`<p part="help" id="${field.name}-help">${field.help ?? ''}${bounds}</p>` : nothing}
      ${this.renderError(field.name)}
    </div>`;
  }

  private renderPresetSelect() {
    const presets = this.workflowPresets;
    if (!presets.length) return nothing;
    const selected = this.selectedPreset;
    return html`<div part="field field-wide" data-field="preset">
      <label for="field-preset">Preset</label>
      <select id="field-preset" name="preset" @change=${(e: Event) => (this.presetName = (e.target as HTMLSelectElement).value)}>
        ${presets.map((p) => html`<option value=${p.name} ?selected=${p.name === this.presetName}>${p.name}${p.version ? ` (v${p.version})` : ''}</option>`)}
      </select>
      ${selected?.description ? html`<p part="help">${selected.description}</p>` : nothing}
      ${this.renderError('preset')}
    </div>`;
  }

  /** Why jobs of this kind cannot run now and what fixes it (GET /kinds), above the form. */
  private renderAvailability(kind: KindInfo) {
    if (kind.available) return nothing;
    const reason = kind.reason ?? `This server has no ${this.workflow} pipeline installed yet: jobs will fail with EXECUTOR_UNAVAILABLE until the admin installs or configures it.`;
    return html`<div class="notice warning" part="availability" role="status" data-role="kind-unavailable">
      <p><strong>${capitalise(this.workflow)} is unavailable on this server.</strong> ${reason}</p>
      ${kind.fix ? html`<p data-role="kind-fix"><strong>Fix:</strong> ${kind.fix}</p>` : nothing}
    </div>`;
  }

  override render() {
    if (this.accessProblem) return accessNotice(this.accessProblem);
    if (this.loadError) return html`<div class="notice error" role="alert"><p>${this.loadError}</p></div>`;
    if (!this.kind) return html`<p aria-busy="true">Loading the ${this.workflow} form…</p>`;
    const { params, uploads } = this.fields;
    const busy = this.phase !== 'idle';
    return html`<form part="form" novalidate @submit=${this.onSubmit} aria-label="${capitalise(this.workflow)} job" data-workflow=${this.workflow}>
      ${this.renderAvailability(this.kind)}
      <p part="description">${this.kind.description}</p>
      ${this.renderPresetSelect()}
      ${keyed(
        this.presetName ?? '',
        html`<div class="fields">${uploads.map((f) => this.renderField(f))}${params.map((f) => this.renderField(f))}</div>`,
      )}
      ${this.formError ? html`<div class="notice error" part="form-error" role="alert" data-error-for="form"><p>${this.formError}</p></div>` : nothing}
      <div part="actions">
        <button part="submit" class="primary" type="submit" data-action="submit-job" ?disabled=${busy}>
          ${this.phase === 'uploading' ? 'Uploading…' : this.phase === 'submitting' ? 'Submitting…' : `Submit ${this.workflow} job`}
        </button>
      </div>
    </form>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'media-lab-job-form': MediaLabJobForm;
  }
}
