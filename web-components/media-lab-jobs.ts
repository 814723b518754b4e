// <media-lab-jobs>: the job list, kept live over the WebSocket (no refresh): new jobs appear at
// the top, badges and progress bars move as events arrive. Filters by status and workflow,
// pages with a cursor ("Load more"), and offers cancel and retry on each job.
//
// Attributes: api, token, status (csv filter), workflow (csv filter), source (lab | prompt-queue),
//   page-size (default 20), job-href (link template, e.g. "/media-lab/jobs/{id}")
// Events: media-lab-job-select { job } (cancelable: prevents the link), media-lab-job-action
//   { action, job }, media-lab-toast { message, variant }
// Parts: filters, connection, alerts (standing alerts: repeated failures, from /health and the
//   socket), list, job (plus job-<status>), actions, cancel, retry, more, error
// CSS properties: --media-lab-job-bg (plus the shared --media-lab-* tokens)
import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { LabElement, messageOf } from './lab-element.js';
import type { Job } from '../contract/job.js';
import { JOB_STATUSES, JOB_WORKFLOWS, type JobStatus, type JobWorkflow } from '../contract/jobs.js';
import type { LabAlert } from '../contract/alerts.js';
import { emit } from './events.js';
import { accessNotice } from './access-notice.js';
import type { StreamMessage, StreamState } from './event-stream.js';
import { canCancel, canRetry, newerJob, runJobAction, type JobAction } from './job-actions.js';
import { formatTime, shortId } from './format.js';
import { jobsStyles } from './media-lab-jobs.styles.js';
import './media-lab-status-badge.js';
import './media-lab-progress.js';
import { EtaEstimator, formatEta } from './eta.js';

const list = <T extends string>(value: string | null, allowed: readonly T[]): T[] =>
  (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v): v is T => (allowed as readonly string[]).includes(v));

@customElement('media-lab-jobs')
export class MediaLabJobs extends LabElement {
  static override styles = jobsStyles;

  @property({ reflect: true }) status: string | null = null;
  @property({ reflect: true }) workflow: string | null = null;
  @property() source: 'lab' | 'prompt-queue' | null = null;
  @property({ type: Number, attribute: 'page-size' }) pageSize = 20;
  @property({ attribute: 'job-href' }) jobHref = '';

  @state() private jobs: Job[] = [];
  /** Each running job's time left, from its own progress rate (eta.ts). */
  private readonly etas = new Map<string, EtaEstimator>();
  @state() private nextCursor: string | null = null;
  @state() private loading = false;
  @state() private error: string | null = null;
  @state() private connection: StreamState = 'idle';
  @state() private busy = new Set<string>();
  @state() private alerts: LabAlert[] = [];

  private generation = 0;

  override connectedCallback(): void {
    super.connectedCallback();
    this.listen();
    void this.reload();
    void this.loadAlerts();
  }

  /** Alerts standing now (from /health); the socket's alert / alert.cleared keep them current. */
  private async loadAlerts(): Promise<void> {
    try {
      const health = await this.client.health();
      this.alerts = Array.isArray(health.alerts) ? (health.alerts as LabAlert[]) : [];
    } catch {
      // Not an admin, or the server is away: the job list says so already.
    }
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!this.hasUpdated) return;
    if (changed.has('api') || changed.has('token')) {
      this.unsubscribeAll();
      this.listen();
    }
    if (['status', 'workflow', 'source', 'api', 'token', 'pageSize'].some((key) => changed.has(key as keyof MediaLabJobs))) void this.reload();
  }

  private listen(): void {
    this.subscribe(
      (m) => this.onMessage(m),
      (s) => (this.connection = s),
    );
  }

  private get statusFilter(): JobStatus[] {
    return list(this.status, JOB_STATUSES);
  }

  private get workflowFilter(): JobWorkflow[] {
    return list(this.workflow, JOB_WORKFLOWS);
  }

  private matchesFilters(job: Job): boolean {
    const statuses = this.statusFilter;
    const workflows = this.workflowFilter;
    return (!statuses.length || statuses.includes(job.status)) && (!workflows.length || workflows.includes(job.workflow)) && (!this.source || job.source === this.source);
  }

  /** Loads the first page again (filters changed, or the socket reconnected and may have missed events). */
  async reload(): Promise<void> {
    const generation = ++this.generation;
    this.loading = true;
    this.error = null;
    try {
      const page = await this.client.listJobs({ status: this.statusFilter, workflow: this.workflowFilter, source: this.source ?? undefined, limit: this.pageSize });
      if (generation !== this.generation) return;
      // Live events that arrived while the page was on its way may be newer than what it says.
      const live = new Map(this.jobs.map((job) => [job.id, job]));
      this.jobs = page.items.map((item) => {
        const known = live.get(item.id);
        return known ? newerJob(item, known) : item;
      });
      this.nextCursor = page.nextCursor;
    } catch (error) {
      if (generation === this.generation && !this.handleAccessError(error)) this.error = messageOf(error);
    } finally {
      if (generation === this.generation) this.loading = false;
    }
  }

  private async loadMore(): Promise<void> {
    if (!this.nextCursor || this.loading) return;
    const generation = this.generation;
    this.loading = true;
    try {
      const page = await this.client.listJobs({ status: this.statusFilter, workflow: this.workflowFilter, source: this.source ?? undefined, limit: this.pageSize, cursor: this.nextCursor });
      if (generation !== this.generation) return;
      const known = new Set(this.jobs.map((j) => j.id));
      this.jobs = [...this.jobs, ...page.items.filter((j) => !known.has(j.id))];
      this.nextCursor = page.nextCursor;
    } catch (error) {
      if (!this.handleAccessError(error)) this.error = messageOf(error);
    } finally {
      if (generation === this.generation) this.loading = false;
    }
  }

  private etaFor(id: string): EtaEstimator {
    let estimator = this.etas.get(id);
    if (!estimator) this.etas.set(id, (estimator = new EtaEstimator()));
    return estimator;
  }

  private etaText(job: Job): string {
    const estimator = this.etaFor(job.id);
    estimator.seed(job);
    return formatEta(estimator.seconds());
  }

  private onMessage(message: StreamMessage): void {
    switch (message.type) {
      case 'job.updated':
      case 'job.finished':
        if (message.type === 'job.finished') this.etas.delete(message.job.id);
        this.upsert(message.job);
        break;
      case 'job.progress':
        this.etaFor(message.id).add({ at: Date.parse(message.at), progress: message.progress });
        this.jobs = this.jobs.map((job) => (job.id === message.id ? { ...job, progress: message.progress, stage: message.stage, status: job.status === 'QUEUED' ? 'RUNNING' : job.status } : job));
        break;
      case 'hello':
        // The socket (re)connected: events sent before it was listening are lost, so read again.
        void this.reload();
        void this.loadAlerts();
        break;
      case 'alert':
        this.alerts = [...this.alerts.filter((a) => a.id !== message.alert.id), message.alert];
        break;
      case 'alert.cleared':
        this.alerts = this.alerts.filter((a) => a.id !== message.alert.id);
        break;
      default:
        break;
    }
  }

  private upsert(incoming: Job): void {
    const index = this.jobs.findIndex((j) => j.id === incoming.id);
    if (index >= 0) {
      const merged = newerJob(this.jobs[index], incoming);
      // A job that no longer matches the filter leaves the list (e.g. "RUNNING" only).
      this.jobs = this.matchesFilters(merged) ? this.jobs.map((j, i) => (i === index ? merged : j)) : this.jobs.filter((_, i) => i !== index);
    } else if (this.matchesFilters(incoming) && this.withinLoadedRange(incoming)) {
      // Ids sort by creation time, so newer jobs go first, in id order.
      this.jobs = [incoming, ...this.jobs].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    }
  }

  /** Jobs older than the last loaded page belong to a later page ("Load more" brings them). */
  private withinLoadedRange(job: Job): boolean {
    const last = this.jobs[this.jobs.length - 1];
    return !this.nextCursor || !last || job.id > last.id;
  }

  private async act(action: JobAction, job: Job): Promise<void> {
    this.busy = new Set(this.busy).add(job.id);
    const updated = await runJobAction(this, this.client, action, job);
    const busy = new Set(this.busy);
    busy.delete(job.id);
    this.busy = busy;
    if (updated) this.upsert(updated);
  }

  private onSelect(event: Event, job: Job): void {
    if (!emit(this, 'media-lab-job-select', { job }, { cancelable: true })) event.preventDefault();
  }

  private setFilter(key: 'status' | 'workflow', value: string): void {
    this[key] = value || null;
  }

  private renderJob(job: Job) {
    const href = this.jobHref ? this.jobHref.replace('{id}', encodeURIComponent(job.id)) : null;
    const active = job.status === 'QUEUED' || job.status === 'RUNNING';
    const busy = this.busy.has(job.id);
    const cancelling = Boolean(job.cancelRequestedAt) && job.status === 'RUNNING';
    return html`<li part="job job-${job.status.toLowerCase()}" data-job-id=${job.id} data-status=${job.status}>
      <div class="title">
        <strong>${job.workflow}</strong>
        ${job.preset ? html`<span class="meta">${job.preset.name}${job.preset.version ? ` v${job.preset.version}` : ''}</span>` : nothing}
        ${href
          ? html`<a href=${href} data-role="job-link" @click=${(e: Event) => this.onSelect(e, job)}>${shortId(job.id)}</a>`
          : html`<button data-role="job-link" @click=${(e: Event) => this.onSelect(e, job)}>${shortId(job.id)}</button>`}
        <span class="meta">${formatTime(job.createdAt)} · ${job.submittedBy}${job.source === 'prompt-queue' ? ' · prompt queue' : ''}</span>
      </div>
      <media-lab-status-badge status=${job.status}></media-lab-status-badge>
      ${active
        ? html`<media-lab-progress
            class="row-progress"
            .value=${job.progress}
            .stage=${cancelling ? 'cancelling…' : (job.stage ?? (job.status === 'QUEUED' ? 'waiting for a worker' : ''))}
            .eta=${job.status === 'RUNNING' && !cancelling ? this.etaText(job) : ''}
          ></media-lab-progress>`
        : nothing}
      ${job.status === 'FAILED' && job.errorMessage ? html`<p class="row-error" part="error">${job.errorCode ? `${job.errorCode}: ` : ''}${job.errorMessage}</p>` : nothing}
      ${canCancel(job) || canRetry(job)
        ? html`<div part="actions">
            ${canCancel(job)
              ? html`<button part="cancel" class="danger" data-action="cancel-job" ?disabled=${busy || cancelling} @click=${() => void this.act('cancel', job)}>
                  ${cancelling ? 'Cancelling…' : 'Cancel'}
                </button>`
              : nothing}
            ${canRetry(job) ? html`<button part="retry" data-action="retry-job" ?disabled=${busy} @click=${() => void this.act('retry', job)}>Retry</button>` : nothing}
          </div>`
        : nothing}
    </li>`;
  }

  override render() {
    if (this.accessProblem) return accessNotice(this.accessProblem);
    const statuses = this.statusFilter;
    const workflows = this.workflowFilter;
    return html`<div part="filters" role="search">
        <label>Status
          <select name="status" @change=${(e: Event) => this.setFilter('status', (e.target as HTMLSelectElement).value)}>
            <option value="" ?selected=${!statuses.length}>All</option>
            ${JOB_STATUSES.map((s) => html`<option value=${s} ?selected=${statuses.length === 1 && statuses[0] === s}>${s}</option>`)}
          </select>
        </label>
        <label>Workflow
          <select name="workflow" @change=${(e: Event) => this.setFilter('workflow', (e.target as HTMLSelectElement).value)}>
            <option value="" ?selected=${!workflows.length}>All</option>
            ${JOB_WORKFLOWS.map((w) => html`<option value=${w} ?selected=${workflows.length === 1 && workflows[0] === w}>${w}</option>`)}
          </select>
        </label>
        <span part="connection" data-state=${this.connection} title="Live updates">${this.connection === 'open' ? 'Live' : this.connection === 'connecting' ? 'Connecting…' : 'Offline: reconnecting'}</span>
      </div>
      ${this.alerts.length
        ? html`<div class="notice" part="alerts" role="alert">${this.alerts.map((a) => html`<p data-alert-id=${a.id}>${a.reason}</p>`)}</div>`
        : nothing}
      ${this.error ? html`<div class="notice error" part="error" role="alert"><p>${this.error}</p><button @click=${() => void this.reload()}>Try again</button></div>` : nothing}
      <ul part="list" aria-label="Jobs" aria-busy=${this.loading ? 'true' : 'false'}>
        ${repeat(
          this.jobs,
          (job) => job.id,
          (job) => this.renderJob(job),
        )}
      </ul>
      ${!this.loading && !this.error && this.jobs.length === 0 ? html`<p class="empty">No jobs${statuses.length || workflows.length ? ' match these filters' : ' yet'}.</p>` : nothing}
      ${this.nextCursor ? html`<button part="more" data-action="load-more" ?disabled=${this.loading} @click=${() => void this.loadMore()}>Load more</button>` : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'media-lab-jobs': MediaLabJobs;
  }
}
