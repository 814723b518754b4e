// <media-lab-job job-id="...">: one job in full, kept live over the WebSocket: status, progress
// and stage, the error with what to do about it, outputs (image previews, video and audio
// players; a before/after slider on finished enhance jobs), inputs, parameters, lineage and the
// audit trail. Cancel and retry right there. A chain job shows its steps as a graph
// (<media-lab-graph>): a card per step (step id, workflow, status, progress, a link to the step's
// job), edges from the chain definition's refs (its chain preset version), kept live.
//
// Attributes: api, token, job-id, job-href (link template for the step cards' jobs, "/jobs/{id}")
// Events: media-lab-job-change { job }, media-lab-job-action { action, job }, media-lab-toast
// Parts: header, status, progress, actions, cancel, retry, error, outputs, output, stale-badge, stale-reason, compare,
//   inputs, input, details, params, lineage, audit, not-found, chain, chain-graph, step-card
import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { LabElement, messageOf } from './lab-element.js';
import { ApiError } from './api-client.js';
import type { Artifact } from '../contract/artifact.js';
import type { AuditEvent, Job, JobDetail } from '../contract/job.js';
import type { ChainDefinition } from '../contract/chains.js';
import type { GraphEdge, GraphNode } from './media-lab-graph.js';
import { isTerminal } from '../contract/jobs.js';
import type { JsonValue } from '../contract/json.js';
import { adviceFor } from '../contract/advice.js';
import { emit } from './events.js';
import { accessNotice } from './access-notice.js';
import type { StreamMessage } from './event-stream.js';
import { canCancel, canRetry, newerJob, runJobAction, type JobAction } from './job-actions.js';
import { capitalise, formatBytes, formatClock, formatTime, shortId } from './format.js';
import { jobStyles } from './media-lab-job.styles.js';
import './media-lab-status-badge.js';
import './media-lab-progress.js';
import { EtaEstimator, formatEta } from './eta.js';
import './media-lab-compare.js';
import './media-lab-audio.js';
import './media-lab-graph.js';

/**
 * The job's outputs proper (role "output"), and for each the pipeline's "preview" rendition when
 * there is one (an image preview of a large upscale, a video's poster frame).
 */
export function splitOutputs(outputs: Artifact[]): { main: Artifact[]; previewOf: Map<string, Artifact> } {
  const proper = outputs.filter((a) => a.role === 'output');
  const main = proper.length ? proper : outputs;
  const previews = outputs.filter((a) => a.role === 'preview' && !main.includes(a));
  const previewOf = new Map<string, Artifact>();
  for (const output of main) {
    const own = previews.find((p) => p.parentIds.includes(output.id) || p.metadata.posterOf === output.id);
    if (own) previewOf.set(output.id, own);
  }
  // One output and one preview that names no parent: they belong together.
  if (main.length === 1 && previews.length === 1 && !previewOf.size) previewOf.set(main[0].id, previews[0]);
  return { main, previewOf };
}

/** The step ids a chain step reads from (its inputs' and params' refs `{ from: "<step>.output..." }`). */
function upstreamSteps(step: ChainDefinition['steps'][number]): string[] {
  const refs = [...Object.values(step.inputs ?? {}), ...Object.values(step.params ?? {})];
  const from = refs.flatMap((r) => (r && typeof r === 'object' && !Array.isArray(r) && typeof (r as { from?: unknown }).from === 'string' ? [(r as { from: string }).from] : []));
  return [...new Set(from.map((f) => f.split('.')[0]!).filter((id) => id !== 'inputs'))];
}

/**
 * A chain's graph: a node per step job, edges from the definition when it is known, else from
 * which step's outputs another step read (its inputIds).
 */
export function chainGraph(steps: Job[], definition: ChainDefinition | null, outputsOf: Map<string, string[]>): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const ids = new Set(steps.map((s) => s.stepId ?? s.id));
  const nodes = steps.map((s) => ({ id: s.stepId ?? s.id, width: 200, height: 104 }));
  let edges: GraphEdge[];
  if (definition) {
    edges = definition.steps.filter((d) => ids.has(d.id)).flatMap((d) => upstreamSteps(d).filter((up) => ids.has(up)).map((up) => ({ from: up, to: d.id })));
  } else {
    const producer = new Map<string, string>();
    for (const s of steps) for (const a of outputsOf.get(s.id) ?? []) producer.set(a, s.stepId ?? s.id);
    edges = steps.flatMap((s) => [...new Set(s.inputIds.map((i) => producer.get(i)).filter((p): p is string => !!p))].map((from) => ({ from, to: s.stepId ?? s.id })));
  }
  const state = new Map(steps.map((s) => [s.stepId ?? s.id, s.status]));
  return { nodes, edges: edges.map((e) => ({ ...e, state: state.get(e.from) === 'SUCCEEDED' ? 'fresh' : 'missing' })) };
}

@customElement('media-lab-job')
export class MediaLabJob extends LabElement {
  static override styles = jobStyles;

  @property({ attribute: 'job-id', reflect: true }) jobId = '';
  @property({ attribute: 'job-href' }) jobHref = '';

  @state() private job: JobDetail | null = null;
  /** The time left, from this job's own progress rate. */
  private readonly eta = new EtaEstimator();
  @state() private events: AuditEvent[] = [];
  @state() private lineage: Artifact[] = [];
  /** A chain job's step jobs, its definition (from its chain preset version) and each step's outputs. */
  @state() private steps: Job[] = [];
  @state() private definition: ChainDefinition | null = null;
  private stepOutputs = new Map<string, string[]>();
  @state() private notFound = false;
  @state() private error: string | null = null;
  @state() private busy = false;

  private loadGeneration = 0;

  override connectedCallback(): void {
    super.connectedCallback();
    this.subscribe((m) => this.onMessage(m));
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (this.hasUpdated && (changed.has('api') || changed.has('token'))) {
      this.unsubscribeAll();
      this.subscribe((m) => this.onMessage(m));
    }
    if (changed.has('jobId') || changed.has('api') || changed.has('token')) {
      this.job = null;
      this.steps = [];
      this.definition = null;
      this.stepOutputs = new Map();
      this.eta.reset();
      this.notFound = false;
      void this.load();
    }
  }

  /** Reads the job, its audit trail and its outputs' lineage again. */
  async load(): Promise<void> {
    if (!this.jobId) return;
    const generation = ++this.loadGeneration;
    try {
      const [job, events] = await Promise.all([this.client.getJob(this.jobId), this.client.jobEvents(this.jobId)]);
      if (generation !== this.loadGeneration) return;
      this.job = this.job ? { ...newerJob(this.job, job), inputs: job.inputs, outputs: job.outputs } : job;
      this.events = events;
      this.error = null;
      this.notFound = false;
      emit(this, 'media-lab-job-change', { job: this.job });
      if (job.workflow === 'chain') void this.loadSteps(generation);
      const first = job.outputs[0];
      this.lineage = first ? (await this.client.getArtifact(first.id)).lineage : [];
    } catch (error) {
      if (generation !== this.loadGeneration || this.handleAccessError(error)) return;
      if (error instanceof ApiError && error.status === 404) this.notFound = true;
      else this.error = messageOf(error);
    }
  }

  /** A chain job's steps (and, once, its definition from its chain preset version). */
  private async loadSteps(generation = this.loadGeneration): Promise<void> {
    const job = this.job;
    if (!job || job.workflow !== 'chain') return;
    try {
      const steps = await this.client.chainSteps(job.id);
      if (!this.definition && job.preset) {
        const { versions } = await this.client.chainVersions(job.preset.name).catch(() => ({ versions: [] as Array<{ version: number; definition: ChainDefinition }> }));
        this.definition = versions.find((v) => v.version === job.preset?.version)?.definition ?? null;
      }
      if (!this.definition) {
        // No preset (an inline definition): edges from the outputs each step read.
        const details = await Promise.all(steps.filter((s) => s.status === 'SUCCEEDED' && !this.stepOutputs.has(s.id)).map((s) => this.client.getJob(s.id)));
        for (const d of details) this.stepOutputs.set(d.id, d.outputs.map((o) => o.id));
      }
      if (generation === this.loadGeneration) this.steps = steps;
    } catch (error) {
      if (!this.handleAccessError(error)) this.error = messageOf(error);
    }
  }

  private onMessage(message: StreamMessage): void {
    if (this.job?.workflow === 'chain') {
      // A step's change: its card follows (the step's own progress events carry only its id).
      if ((message.type === 'job.updated' || message.type === 'job.finished') && message.job.parentJobId === this.job.id) {
        const at = this.steps.findIndex((s) => s.id === message.job.id);
        if (at >= 0) this.steps = this.steps.map((s, i) => (i === at ? newerJob(s, message.job) : s));
        else void this.loadSteps();
      } else if (message.type === 'job.progress' && this.steps.some((s) => s.id === message.id)) {
        this.steps = this.steps.map((s) => (s.id === message.id ? { ...s, progress: message.progress, stage: message.stage, status: s.status === 'QUEUED' ? 'RUNNING' : s.status } : s));
      }
    }
    if (!this.job) {
      // Still loading: the answer on its way may have been read before this change, and no later
      // event would correct it (a quick job finishes while its page loads). Read again.
      if (this.concernsThisJob(message)) void this.load();
      return;
    }
    if (message.type === 'hello') {
      // The socket (re)connected: events sent before it was listening are lost, so read again.
      if (!isTerminal(this.job.status)) void this.load();
      return;
    }
    if (message.type === 'job.progress' && message.id === this.job.id) {
      this.eta.add({ at: Date.parse(message.at), progress: message.progress });
      this.job = { ...this.job, progress: message.progress, stage: message.stage, status: this.job.status === 'QUEUED' ? 'RUNNING' : this.job.status };
    } else if ((message.type === 'job.updated' || message.type === 'job.finished') && message.job.id === this.job.id) {
      this.job = newerJob(this.job, message.job);
      emit(this, 'media-lab-job-change', { job: this.job });
      // Outputs become visible when the job finishes; the audit trail grows on every transition.
      void this.load();
    }
  }

  private etaOf(job: JobDetail): number | null {
    this.eta.seed(job);
    return this.eta.seconds();
  }

  private concernsThisJob(message: StreamMessage): boolean {
    // A (re)connected socket may have missed changes made before it listened.
    if (message.type === 'hello') return true;
    if (message.type === 'job.progress') return message.id === this.jobId;
    return (message.type === 'job.updated' || message.type === 'job.finished') && message.job.id === this.jobId;
  }

  private async act(action: JobAction): Promise<void> {
    if (!this.job) return;
    this.busy = true;
    const updated = await runJobAction(this, this.client, action, this.job);
    this.busy = false;
    if (updated && this.job) {
      this.job = newerJob(this.job, updated);
      void this.load();
    }
  }

  private renderMedia(artifact: Artifact, role: 'output' | 'input', index: number, preview?: Artifact) {
    const src = this.client.mediaUrl(artifact.contentUrl);
    const facts = [artifact.width ? `${artifact.width}×${artifact.height}` : '', artifact.duration ? formatClock(artifact.duration) : '', artifact.fps ? `${artifact.fps} fps` : '', formatBytes(artifact.bytes)]
      .filter(Boolean)
      .join(' · ');
    const label = `${role === 'output' ? 'Output' : 'Input'} ${artifact.kind} ${index + 1}`;
    let media;
    if (artifact.kind === 'image') {
      // A pipeline's preview (a lighter rendition) is what the page shows; the link opens the full file.
      const shown = preview?.kind === 'image' ? this.client.mediaUrl(preview.contentUrl) : src;
      media = html`<a href=${src} target="_blank" rel="noopener" title="Open the full file"><img data-role="${role}-preview" src=${shown} alt=${label} loading="lazy" /></a>`;
    } else if (artifact.kind === 'video') {
      const poster = preview?.kind === 'image' ? this.client.mediaUrl(preview.contentUrl) : nothing;
      media = html`<video data-role="${role}-video" src=${src} poster=${poster} controls preload="metadata" aria-label=${label}></video>`;
    } else {
      media = html`<media-lab-audio data-role="${role}-audio" api=${this.api} .token=${this.token} src=${src} label=${label}></media-lab-audio>`;
    }
    const stale = artifact.stale
      ? html` <span part="stale-badge" data-role="stale" title=${artifact.staleReason?.message ?? 'stale'}>stale</span><div part="stale-reason">${artifact.staleReason?.message}</div>`
      : nothing;
    return html`<figure part=${role} class=${artifact.kind} data-artifact-id=${artifact.id} data-stale=${artifact.stale ? 'true' : 'false'}>${media}<figcaption>${artifact.mime} · ${facts}${stale}</figcaption></figure>`;
  }

  private renderOutputs(job: JobDetail) {
    const { main, previewOf } = splitOutputs(job.outputs);
    return html`<div class="media-grid">${main.map((a, i) => this.renderMedia(a, 'output', i, previewOf.get(a.id)))}</div>`;
  }

  private renderCompare(job: JobDetail) {
    const before = job.inputs.find((a) => a.kind === 'image');
    const after = splitOutputs(job.outputs).main.find((a) => a.kind === 'image');
    if (job.workflow !== 'enhance' || job.status !== 'SUCCEEDED' || !before || !after) return nothing;
    return html`<section aria-label="Before and after">
      <h3>Before / after</h3>
      <media-lab-compare part="compare" before=${this.client.mediaUrl(before.contentUrl)} after=${this.client.mediaUrl(after.contentUrl)}></media-lab-compare>
    </section>`;
  }

  private renderEvent(event: AuditEvent) {
    const details = Object.entries(event.details ?? {})
      .filter(([, v]) => v !== null && v !== '')
      .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(', ');
    return html`<li data-event-type=${event.type}>
      <strong>${event.type}</strong>${event.from || event.to ? html` ${event.from ?? '—'} → ${event.to ?? '—'}` : nothing} · ${event.actor} · ${formatTime(event.at)}
      ${details ? html`<div class="event-details">${details}</div>` : nothing}
    </li>`;
  }

  private renderParams(params: Record<string, JsonValue>) {
    const entries = Object.entries(params);
    if (!entries.length) return html`<p>No parameters.</p>`;
    return html`<dl>${entries.map(([k, v]) => html`<dt>${k}</dt><dd>${typeof v === 'object' ? JSON.stringify(v) : String(v)}</dd>`)}</dl>`;
  }

  private renderChain(job: JobDetail) {
    if (job.workflow !== 'chain') return nothing;
    if (!this.steps.length) return html`<section part="chain" aria-label="Steps"><h3>Steps</h3><p aria-busy="true">Loading steps…</p></section>`;
    const { nodes, edges } = chainGraph(this.steps, this.definition, this.stepOutputs);
    return html`<section part="chain" aria-label="Steps">
      <h3>Steps</h3>
      <media-lab-graph part="chain-graph" .nodes=${nodes} .edges=${edges}>
        ${this.steps.map((s) => {
          const id = s.stepId ?? s.id;
          return html`<article slot="node-${id}" part="step-card" class="step-card" data-step=${id} data-job-id=${s.id} data-status=${s.status} aria-label="Step ${id}">
            <header><strong>${id}</strong> <span class="workflow">${s.workflow}</span></header>
            <media-lab-status-badge status=${s.status}></media-lab-status-badge>
            ${isTerminal(s.status) ? nothing : html`<media-lab-progress .value=${s.progress} .stage=${s.stage ?? ''}></media-lab-progress>`}
            <div class="step-meta">${s.reusedFromJobId ? html`reused ${shortId(s.reusedFromJobId)} · ` : nothing}${this.jobHref ? html`<a href=${this.jobHref.replace('{id}', encodeURIComponent(s.id))} data-role="step-link">job ${shortId(s.id)}</a>` : html`job <code>${shortId(s.id)}</code>`}</div>
          </article>`;
        })}
      </media-lab-graph>
    </section>`;
  }

  override render() {
    if (this.accessProblem) return accessNotice(this.accessProblem);
    if (this.notFound) {
      return html`<div class="notice error" part="not-found" role="alert"><h2>Job not found</h2><p>There is no job with id ${this.jobId}. It may have been deleted; check the job list.</p></div>`;
    }
    if (this.error && !this.job) return html`<div class="notice error" role="alert"><p>${this.error}</p><button @click=${() => void this.load()}>Try again</button></div>`;
    const job = this.job;
    if (!job) return html`<p aria-busy="true">Loading job…</p>`;
    const final = isTerminal(job.status);
    const cancelling = Boolean(job.cancelRequestedAt) && job.status === 'RUNNING';
    return html`<article data-job-id=${job.id} data-status=${job.status}>
      <div part="header">
        <h2>${capitalise(job.workflow)} job</h2>
        <media-lab-status-badge part="status" status=${job.status}></media-lab-status-badge>
        <span class="id">${job.id}</span>
      </div>
      ${!final
        ? html`<media-lab-progress
            part="progress"
            .value=${job.progress}
            .stage=${cancelling ? 'cancelling…' : (job.stage ?? (job.status === 'QUEUED' ? 'waiting for a worker' : ''))}
            .eta=${job.status === 'RUNNING' && !cancelling ? formatEta(this.etaOf(job)) : ''}
          ></media-lab-progress>`
        : nothing}
      ${canCancel(job) || canRetry(job)
        ? html`<div part="actions">
            ${canCancel(job) ? html`<button part="cancel" class="danger" data-action="cancel-job" ?disabled=${this.busy || cancelling} @click=${() => void this.act('cancel')}>${cancelling ? 'Cancelling…' : 'Cancel'}</button>` : nothing}
            ${canRetry(job) ? html`<button part="retry" data-action="retry-job" ?disabled=${this.busy} @click=${() => void this.act('retry')}>Retry</button>` : nothing}
          </div>`
        : nothing}
      ${job.status === 'FAILED' || (job.status === 'CANCELLED' && job.errorCode && job.errorCode !== 'CANCELLED')
        ? html`<section part="error" class="notice error" role="alert" data-error-code=${job.errorCode ?? ''}>
            <h3>${job.status === 'FAILED' ? 'The job failed' : 'The job stopped'}${job.errorCode ? html`: <span class="code">${job.errorCode}</span>` : nothing}</h3>
            ${job.errorMessage ? html`<p>${job.errorMessage}</p>` : nothing}
            <p><strong>What to do:</strong> ${adviceFor(job.errorCode)}</p>
          </section>`
        : nothing}
      ${this.renderCompare(job)} ${this.renderChain(job)}
      <section part="outputs" aria-label="Outputs">
        <h3>Outputs</h3>
        ${job.outputs.length
          ? this.renderOutputs(job)
          : html`<p data-role="no-outputs">${job.status === 'SUCCEEDED' ? 'This job published no outputs.' : final ? 'No outputs were published.' : 'Outputs appear here when the job succeeds.'}</p>`}
      </section>
      <section part="inputs" aria-label="Inputs">
        <h3>Inputs</h3>
        ${job.inputs.length ? html`<div class="media-grid">${job.inputs.map((a, i) => this.renderMedia(a, 'input', i))}</div>` : html`<p>No input files.</p>`}
      </section>
      <section part="details" aria-label="Details">
        <h3>Details</h3>
        <dl>
          ${job.preset ? html`<dt>Preset</dt><dd>${job.preset.name}${job.preset.version ? ` v${job.preset.version}` : ''}${job.preset.hash ? ` (${job.preset.hash.slice(0, 10)})` : ''}</dd>` : nothing}
          <dt>Submitted</dt><dd>${formatTime(job.createdAt)} by ${job.submittedBy}${job.source === 'prompt-queue' ? ` (prompt queue${job.sourceRef ? ` #${job.sourceRef}` : ''})` : ''}</dd>
          ${job.startedAt ? html`<dt>Started</dt><dd>${formatTime(job.startedAt)}</dd>` : nothing}
          ${job.finishedAt ? html`<dt>Finished</dt><dd>${formatTime(job.finishedAt)}</dd>` : nothing}
          <dt>Attempts</dt><dd>${job.attempts} of ${job.maxAttempts}</dd>
          ${job.backend ? html`<dt>Backend</dt><dd>${job.backend}</dd>` : nothing}
        </dl>
      </section>
      <section part="params" aria-label="Parameters">
        <h3>Parameters</h3>
        ${this.renderParams(job.params)}
      </section>
      ${this.lineage.length
        ? html`<section part="lineage" aria-label="Lineage">
            <h3>Lineage</h3>
            <ol>${this.lineage.map((a) => html`<li>${a.kind} ${a.role} ${shortId(a.id)} · ${a.jobId ? `from job ${shortId(a.jobId)}` : `uploaded by ${a.createdBy ?? 'unknown'}`}</li>`)}</ol>
          </section>`
        : nothing}
      <section part="audit" aria-label="Audit trail">
        <h3>Audit trail</h3>
        <ol data-role="audit">${this.events.map((e) => this.renderEvent(e))}</ol>
      </section>
    </article>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'media-lab-job': MediaLabJob;
  }
}
