// <media-lab-provenance>: where an artifact came from, step by step back to the uploads (GET
// /artifacts/:id/provenance): each step's job, who ran it, workflow, preset version and hash,
// models, seed, params, inputs with their hashes, backend, timings, reused or ran, and whether it
// is stale (with why), drawn as a graph (<media-lab-graph>: a card per step and per upload, an
// edge for each input a step read) above the full list. Offers Refresh (a stale artifact, with the current preset and model) and
// Reproduce (the recorded job again).
//
// Attributes: api, token, artifact-id, job-href ("/jobs/{id}")
// Events: media-lab-job-queued { job } (after refresh or reproduce), media-lab-toast
// Parts: stale-notice, actions, refresh, reproduce, graph, graph-node, steps, step, step-stale, stale-badge, uploads
import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Provenance, ProvenanceStep } from '../contract/lineage.js';
import { LabElement, messageOf } from './lab-element.js';
import { emit } from './events.js';
import { formatTime, shortId } from './format.js';
import { provenanceStyles } from './media-lab-provenance.styles.js';
import type { GraphEdge, GraphNode } from './media-lab-graph.js';
import './media-lab-graph.js';

const ms = (value: number | null) => (value === null ? '—' : value < 1000 ? `${value} ms` : `${(value / 1000).toFixed(1)} s`);
const text = (value: unknown) => (typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));

/**
 * The provenance as a graph: a node per step (job) and per upload, an edge from what made each
 * input (its step, or the upload) to the step that read it; stale steps' edges are "stale".
 */
export function provenanceGraph(graph: Provenance): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const made = new Map(graph.artifacts.map((a) => [a.id, a.jobId ? `job-${a.jobId}` : `upload-${a.id}`]));
  const steps = new Set(graph.steps.map((s) => s.jobId));
  const nodes: GraphNode[] = [
    ...graph.artifacts.filter((a) => a.jobId === null).map((a) => ({ id: `upload-${a.id}`, width: 150, height: 64 })),
    ...graph.steps.map((s) => ({ id: `job-${s.jobId}`, width: 190, height: 76 })),
  ];
  const ids = new Set(nodes.map((n) => n.id));
  const edges: GraphEdge[] = [];
  for (const step of graph.steps) {
    for (const input of step.inputs) {
      const from = made.get(input.artifactId);
      if (!from || !ids.has(from) || edges.some((e) => e.from === from && e.to === `job-${step.jobId}`)) continue;
      const upstream = from.startsWith('job-') && steps.has(from.slice(4)) ? graph.steps.find((s) => `job-${s.jobId}` === from) : undefined;
      edges.push({ from, to: `job-${step.jobId}`, state: upstream?.stale || step.stale ? 'stale' : 'fresh' });
    }
  }
  return { nodes, edges };
}

@customElement('media-lab-provenance')
export class MediaLabProvenance extends LabElement {
  static override styles = provenanceStyles;

  @property({ attribute: 'artifact-id' }) artifactId = '';
  @property({ attribute: 'job-href' }) jobHref = '';

  @state() private graph: Provenance | null = null;
  @state() private error: string | null = null;
  @state() private busy = false;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('artifactId') || changed.has('api') || changed.has('token')) void this.load();
  }

  async load(): Promise<void> {
    const id = this.artifactId;
    if (!id) return;
    try {
      const graph = await this.client.getProvenance(id);
      if (id === this.artifactId) [this.graph, this.error] = [graph, null];
    } catch (error) {
      if (!this.handleAccessError(error)) this.error = messageOf(error);
    }
  }

  private async rerun(kind: 'refresh' | 'reproduce'): Promise<void> {
    this.busy = true;
    try {
      const { job } = kind === 'refresh' ? await this.client.refreshArtifact(this.artifactId) : await this.client.reproduceArtifact(this.artifactId);
      emit(this, 'media-lab-job-queued', { job });
      emit(this, 'media-lab-toast', { message: kind === 'refresh' ? `Refresh queued as job ${shortId(job.id)}` : `Reproduction queued as job ${shortId(job.id)}`, variant: 'success' });
    } catch (error) {
      if (!this.handleAccessError(error)) emit(this, 'media-lab-toast', { message: `Could not ${kind}: ${messageOf(error)}`, variant: 'error' });
    } finally {
      this.busy = false;
    }
  }

  private jobLink(id: string) {
    const href = this.jobHref ? this.jobHref.replace('{id}', encodeURIComponent(id)) : '';
    return href ? html`<a href=${href}>${shortId(id)}</a>` : html`<code>${shortId(id)}</code>`;
  }

  private renderStep(step: ProvenanceStep) {
    const preset = step.preset ? `${step.preset.name}${step.preset.version !== null ? ` v${step.preset.version}` : ''}` : null;
    const params = Object.entries(step.params);
    return html`<li part=${step.stale ? 'step step-stale' : 'step'} data-job-id=${step.jobId} data-workflow=${step.workflow} data-stale=${step.stale ? 'true' : 'false'}>
      <strong>${step.stepId ? `${step.stepId} · ` : ''}${step.workflow}</strong>${preset ? html` · <span data-role="preset">${preset}</span>` : nothing} · job ${this.jobLink(step.jobId)}
      ${step.stale ? html` <span part="stale-badge" title=${step.staleReason?.message ?? ''}>stale</span>` : nothing}
      ${step.staleReason ? html`<div data-role="stale-reason">${step.staleReason.message}</div>` : nothing}
      <dl>
        <dt>Run by</dt><dd>${step.actor} · ${step.run === 'reused' ? html`reused job ${this.jobLink(step.reusedFromJobId ?? '')}` : 'ran'}${step.chainJobId ? html` · in chain ${this.jobLink(step.chainJobId)}` : nothing}</dd>
        ${step.preset?.hash ? html`<dt>Preset hash</dt><dd><code>${step.preset.hash.slice(0, 16)}</code></dd>` : nothing}
        ${step.models.length
          ? html`<dt>Models</dt><dd data-role="models">${step.models.map((m, i) => html`${i ? ', ' : ''}${m.role}: ${m.name}${m.sha256 ? html` <code>${m.sha256.slice(0, 12)}</code>` : nothing}`)}</dd>`
          : nothing}
        ${step.seed !== null ? html`<dt>Seed</dt><dd data-role="seed">${step.seed}</dd>` : nothing}
        ${params.length ? html`<dt>Params</dt><dd data-role="params">${params.map(([k, v], i) => `${i ? ', ' : ''}${k}=${text(v)}`)}</dd>` : nothing}
        <dt>Inputs</dt><dd data-role="inputs">${step.inputs.length ? step.inputs.map((input, i) => html`${i ? ', ' : ''}${shortId(input.artifactId)} <code>${input.sha256 ? input.sha256.slice(0, 12) : 'pruned'}</code>`) : 'none'}</dd>
        ${step.backend ? html`<dt>Backend</dt><dd>${step.backend}</dd>` : nothing}
        <dt>Timings</dt><dd data-role="timings">submitted ${formatTime(step.timings.submittedAt)} · queued ${ms(step.timings.queuedMs)} · ran ${ms(step.timings.runMs)}</dd>
      </dl>
    </li>`;
  }

  private renderGraph(graph: Provenance) {
    const { nodes, edges } = provenanceGraph(graph);
    return html`<media-lab-graph part="graph" .nodes=${nodes} .edges=${edges}>
      ${graph.artifacts
        .filter((a) => a.jobId === null)
        .map((a) => html`<div slot="node-upload-${a.id}" part="graph-node" class="node upload" data-artifact-id=${a.id}><strong>upload</strong> ${a.kind} ${shortId(a.id)}<br /><code>${a.sha256.slice(0, 12)}</code></div>`)}
      ${graph.steps.map((s) => {
        const preset = s.preset ? `${s.preset.name}${s.preset.version !== null ? ` v${s.preset.version}` : ''}` : '';
        return html`<div slot="node-job-${s.jobId}" part="graph-node" class="node step" data-job-id=${s.jobId} data-stale=${s.stale ? 'true' : 'false'}>
          <strong>${s.stepId ? `${s.stepId} · ` : ''}${s.workflow}</strong>${preset ? ` · ${preset}` : ''}<br />
          ${s.status.toLowerCase()} · ${s.run}${s.stale ? html` · <span part="stale-badge">stale</span>` : nothing}<br />
          job ${this.jobLink(s.jobId)}
        </div>`;
      })}
    </media-lab-graph>`;
  }

  override render() {
    if (this.accessProblem) return nothing;
    if (this.error) return html`<p role="alert">${this.error}</p>`;
    const graph = this.graph;
    if (!graph) return html`<p aria-busy="true">Loading provenance…</p>`;
    const own = graph.steps.find((s) => s.outputs.includes(graph.artifactId));
    const uploads = graph.artifacts.filter((a) => a.jobId === null);
    return html`${own?.stale
        ? html`<div part="stale-notice" role="status" data-role="stale-reason"><span part="stale-badge">stale</span> ${own.staleReason?.message}.</div>`
        : graph.stale
          ? html`<div part="stale-notice" role="status">An earlier step is stale; see below.</div>`
          : nothing}
      ${own
        ? html`<div part="actions">
            ${own.stale ? html`<button part="refresh" data-action="refresh-artifact" ?disabled=${this.busy} @click=${() => void this.rerun('refresh')}>Refresh with the current version</button>` : nothing}
            <button part="reproduce" data-action="reproduce-artifact" ?disabled=${this.busy} @click=${() => void this.rerun('reproduce')}>Reproduce</button>
          </div>`
        : nothing}
      <strong>Provenance</strong>
      ${graph.steps.length ? this.renderGraph(graph) : nothing}
      ${graph.steps.length ? html`<ol part="steps" aria-label="Steps">${graph.steps.map((s) => this.renderStep(s))}</ol>` : html`<p>An upload: no steps made it.</p>`}
      ${uploads.length
        ? html`<p part="uploads" data-role="uploads">From ${uploads.length === 1 ? 'upload' : 'uploads'} ${uploads.map((u, i) => html`${i ? ', ' : ''}${shortId(u.id)} <code>${u.sha256.slice(0, 12)}</code>`)}</p>`
        : nothing}
      ${graph.truncated ? html`<p>Older steps are left out (the graph is deeper than shown).</p>` : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'media-lab-provenance': MediaLabProvenance;
  }
}
