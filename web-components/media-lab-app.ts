// <media-lab-app api="/api/media-lab">: the whole workspace a host page embeds. Tabs
// (`button[data-tab="generate|enhance|interpolate|blend|music|voice|workbench|jobs|gallery"]`) hold a
// submit form per workflow (with the latest job submitted from it, live), the workbench, the job
// list and the gallery.
// A user the API refuses sees an "Admin only" notice instead.
//
// Only the open tab's panel is in the DOM, so `input[name="sourceImage"]` means the open form.
//
// Attributes: api, token, tab (the open tab), tabs (csv: which tabs, in order), job-href
//   (link template for job pages, e.g. "/media-lab/jobs/{id}"), theme (light | dark),
//   hash-tabs (boolean: mirror the open tab in the URL hash, e.g. /media-lab#jobs)
// Events: media-lab-tab-change { tab }, media-lab-access-denied { problem }, and those of the
//   elements inside (media-lab-job-queued, media-lab-job-action, ...) bubble through
// Parts: tablist, tab (plus tab-selected), panel, latest, access-denied
// CSS properties: --media-lab-app-bg, and the shared tokens --media-lab-fg, --media-lab-bg,
//   --media-lab-surface, --media-lab-border, --media-lab-accent, --media-lab-accent-fg,
//   --media-lab-muted, --media-lab-danger, --media-lab-success, --media-lab-warning,
//   --media-lab-info, --media-lab-radius, --media-lab-gap, --media-lab-font, --media-lab-focus-ring
import { html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { keyed } from 'lit/directives/keyed.js';
import { LabElement, messageOf } from './lab-element.js';
import { WORKFLOW_KINDS, type WorkflowKind } from '../contract/jobs.js';
import type { KindInfo } from '../contract/kinds.js';
import type { PresetInfo } from '../contract/presets.js';
import { emit, type MediaLabEventMap } from './events.js';
import { accessNotice } from './access-notice.js';
import { capitalise } from './format.js';
import { appStyles } from './media-lab-app.styles.js';
import type { MediaLabToasts } from './media-lab-toasts.js';
import './media-lab-job-form.js';
import './media-lab-job.js';
import './media-lab-jobs.js';
import './media-lab-gallery.js';
import './media-lab-workbench.js';
import './media-lab-toasts.js';

export const APP_TABS = ['generate', 'enhance', 'interpolate', 'blend', 'music', 'voice', 'workbench', 'jobs', 'gallery'] as const;
export type AppTab = (typeof APP_TABS)[number];

/** How often the kinds are read again while one is unavailable (a ComfyUI backend may come up). */
const KINDS_RECHECK_MS = 5_000;
const isWorkflow = (tab: string): tab is WorkflowKind => (WORKFLOW_KINDS as readonly string[]).includes(tab);

@customElement('media-lab-app')
export class MediaLabApp extends LabElement {
  static override styles = appStyles;

  @property({ reflect: true }) tab: AppTab = 'generate';
  @property() tabs: string = APP_TABS.join(',');
  @property({ attribute: 'job-href' }) jobHref = '';
  @property({ reflect: true }) theme: 'light' | 'dark' | null = null;
  /** Keep the open tab in the URL hash (#jobs), so links and the back button reach a tab. */
  @property({ type: Boolean, attribute: 'hash-tabs' }) hashTabs = false;

  @state() private kinds: KindInfo[] | null = null;
  @state() private presets: PresetInfo[] | null = null;
  @state() private loadError: string | null = null;
  @state() private latestJob: Partial<Record<WorkflowKind, string>> = {};

  @query('media-lab-toasts') private toasts!: MediaLabToasts;

  constructor() {
    super();
    this.addEventListener('media-lab-toast', (event) => {
      // Shown here; a global <media-lab-toasts> on the page must not show it twice.
      event.stopPropagation();
      const { message, variant } = (event as CustomEvent<MediaLabEventMap['media-lab-toast']>).detail;
      this.toasts?.show(message, variant);
    });
    this.addEventListener('media-lab-job-queued', (event) => {
      const { job } = (event as CustomEvent<MediaLabEventMap['media-lab-job-queued']>).detail;
      this.latestJob = { ...this.latestJob, [job.workflow]: job.id };
    });
  }

  private readonly onHashChange = () => {
    const tab = location.hash.slice(1);
    if ((APP_TABS as readonly string[]).includes(tab)) this.select(tab as AppTab);
  };

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hashTabs) {
      this.onHashChange();
      window.addEventListener('hashchange', this.onHashChange);
    }
    void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.onHashChange);
    if (this.kindsRecheck) clearTimeout(this.kindsRecheck);
    this.kindsRecheck = null;
  }

  private kindsRecheck: ReturnType<typeof setTimeout> | null = null;

  /**
   * While a kind is unavailable, reads the kinds again now and then: the tab's notice goes away
   * by itself once a ComfyUI backend answers (its queued jobs start by themselves already).
   */
  private recheckKindsWhileUnavailable(): void {
    if (this.kindsRecheck) clearTimeout(this.kindsRecheck);
    this.kindsRecheck = null;
    if (!this.isConnected || !this.kinds?.some((k) => !k.available)) return;
    this.kindsRecheck = setTimeout(() => {
      this.kindsRecheck = null;
      void this.client
        .kinds()
        .then((kinds) => {
          this.kinds = kinds;
        })
        .catch(() => undefined) // a failed read is tried again at the next turn
        .finally(() => this.recheckKindsWhileUnavailable());
    }, KINDS_RECHECK_MS);
  }

  private get tabList(): AppTab[] {
    const wanted = this.tabs
      .split(',')
      .map((t) => t.trim())
      .filter((t): t is AppTab => (APP_TABS as readonly string[]).includes(t));
    return wanted.length ? wanted : [...APP_TABS];
  }

  /** Reads the kinds (parameter schemas) and presets; a 401/403 here shows the admin-only notice. */
  async load(): Promise<void> {
    this.loadError = null;
    try {
      const [kinds, presets] = await Promise.all([this.client.kinds(), this.client.presets()]);
      this.kinds = kinds;
      this.presets = presets;
      this.recheckKindsWhileUnavailable();
    } catch (error) {
      if (!this.handleAccessError(error)) this.loadError = messageOf(error);
    }
  }

  /** Opens a tab (as if it were clicked). */
  select(tab: AppTab): void {
    if (tab === this.tab) return;
    this.tab = tab;
    if (this.hashTabs && location.hash !== `#${tab}`) history.replaceState(history.state, '', `#${tab}`);
    emit(this, 'media-lab-tab-change', { tab });
  }

  private onTabKey(event: KeyboardEvent): void {
    const tabs = this.tabList;
    const index = tabs.indexOf(this.tab);
    const next: Record<string, number> = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 };
    if (!(event.key in next)) return;
    event.preventDefault();
    const target = tabs[(next[event.key] + tabs.length) % tabs.length];
    this.select(target);
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`[data-tab="${target}"]`)?.focus());
  }

  private get currentTab(): AppTab {
    const tabs = this.tabList;
    return tabs.includes(this.tab) ? this.tab : tabs[0];
  }

  private renderPanel(tab: AppTab) {
    if (tab === 'jobs') return html`<media-lab-jobs api=${this.api} .token=${this.token} job-href=${this.jobHref}></media-lab-jobs>`;
    if (tab === 'workbench') return html`<media-lab-workbench api=${this.api} .token=${this.token}></media-lab-workbench>`;
    if (tab === 'gallery') return html`<media-lab-gallery api=${this.api} .token=${this.token} job-href=${this.jobHref}></media-lab-gallery>`;
    if (!isWorkflow(tab)) return nothing;
    const kind = this.kinds?.find((k) => k.kind === tab) ?? null;
    const latest = this.latestJob[tab];
    const href = latest && this.jobHref ? this.jobHref.replace('{id}', encodeURIComponent(latest)) : '';
    return html`<media-lab-job-form api=${this.api} .token=${this.token} workflow=${tab} .kind=${kind} .presets=${this.presets}></media-lab-job-form>
      ${latest
        ? html`<section part="latest" aria-label="Latest ${tab} job">
            <h2>Latest job${href ? html` · <a href=${href}>open its page</a>` : nothing}</h2>
            <media-lab-job api=${this.api} .token=${this.token} job-id=${latest}></media-lab-job>
          </section>`
        : nothing}`;
  }

  override render() {
    if (this.accessProblem) return accessNotice(this.accessProblem);
    if (this.loadError) {
      return html`<div class="notice error" role="alert"><h2>Media Lab could not load</h2><p>${this.loadError}</p><button @click=${() => void this.load()}>Try again</button></div>`;
    }
    if (!this.kinds) return html`<p aria-busy="true">Loading Media Lab…</p>`;
    const tabs = this.tabList;
    const current = this.currentTab;
    return html`<div part="tablist" role="tablist" aria-label="Media Lab" @keydown=${this.onTabKey}>
        ${tabs.map((tab) => {
          const kind = isWorkflow(tab) ? this.kinds?.find((k) => k.kind === tab) : null;
          const selected = tab === current;
          return html`<button
            part="tab${selected ? ' tab-selected' : ''}"
            role="tab"
            id="tab-${tab}"
            data-tab=${tab}
            aria-selected=${selected ? 'true' : 'false'}
            aria-controls="panel-${tab}"
            tabindex=${selected ? 0 : -1}
            @click=${() => this.select(tab)}
          >
            ${capitalise(tab)}${kind && !kind.available ? html`<span class="unavailable" title=${kind.reason ?? 'No pipeline installed on this server'} aria-hidden="true">*</span><span class="visually-hidden"> (unavailable)</span>` : nothing}
          </button>`;
        })}
      </div>
      <div part="panel" role="tabpanel" id="panel-${current}" data-panel=${current} aria-labelledby="tab-${current}">
        ${keyed(current, this.renderPanel(current))}
      </div>
      <media-lab-toasts></media-lab-toasts>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'media-lab-app': MediaLabApp;
  }
}
