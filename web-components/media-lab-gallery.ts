// <media-lab-gallery>: every published artifact as a grid of thumbnails, newest first, loaded page
// by page (cursor) as you scroll. Only the rows in view are in the DOM, so ten thousand artifacts
// scroll as smoothly as ten. Images show a thumbnail, videos their poster, audio clips their
// waveform (all from GET /artifacts/:id/thumbnail). Filters (kind, role, workflow) narrow the
// listing on the server. Arrow keys move between items; Enter or a click opens an item's details
// in a lightbox over the page, where ArrowLeft / ArrowRight step through the items and Escape
// closes it (focus returns to the item).
//
// Attributes: api, token, kind (image,video,audio filter), artifact-role (input,output,... filter),
//   workflow (generate,enhance,... filter), only-stale (only artifacts made with a superseded preset
//   version or a changed model), page-size (default 100), item-size (smallest cell in px, default
//   150), job-href ("/jobs/{id}")
// A stale artifact carries a "stale" badge; its details show why, with its provenance
// (<media-lab-provenance>: Refresh, Reproduce).
// Events: media-lab-artifact-select { artifact }, media-lab-gallery-page { loaded, hasMore }
// Parts: toolbar, filters, filter, status, refresh, viewport, grid, cell, item, thumbnail, icon,
//   badge, caption, stale-badge, lightbox, detail, lightbox-close, lightbox-prev, lightbox-next,
//   provenance
// CSS properties: --media-lab-gallery-height, --media-lab-gallery-item-bg
import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { LabElement, messageOf } from './lab-element.js';
import type { Artifact, ArtifactDetail } from '../contract/artifact.js';
import type { ArtifactRole, MediaKind } from '../contract/media.js';
import { WORKFLOW_KINDS, type WorkflowKind } from '../contract/jobs.js';
import { emit } from './events.js';
import { accessNotice } from './access-notice.js';
import { capitalise, formatBytes, formatClock, formatTime, shortId } from './format.js';
import { cellPosition, gridLayout, totalHeight, visibleRange, type GridLayout } from './virtual-grid.js';
import { galleryStyles } from './media-lab-gallery.styles.js';
import './media-lab-provenance.js';

const GAP = 8;
const ICONS: Record<MediaKind, string> = { image: '🖼', video: '🎞', audio: '♪' };
/** Marks on video and audio thumbnails (plain glyphs every font has). */
const BADGES: Record<MediaKind, string> = { image: '', video: '▶', audio: '♪' };

/** The filter selects: value '' is "all". */
const KIND_FILTER: Array<[string, string]> = [['', 'All kinds'], ['image', 'Images'], ['video', 'Videos'], ['audio', 'Audio']];
const ROLE_FILTER: Array<[string, string]> = [['', 'All roles'], ['output', 'Outputs'], ['input', 'Uploads'], ['intermediate', 'Intermediate']];
const WORKFLOW_FILTER: Array<[string, string]> = [['', 'All workflows'], ...WORKFLOW_KINDS.map((k): [string, string] => [k, capitalise(k)])];

const csvList = <T extends string>(value: string | null): T[] | undefined =>
  value
    ? (value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean) as T[])
    : undefined;

@customElement('media-lab-gallery')
export class MediaLabGallery extends LabElement {
  static override styles = galleryStyles;

  @property() kind: string | null = null;
  @property({ attribute: 'artifact-role' }) artifactRole: string | null = null;
  @property() workflow: string | null = null;
  @property({ type: Number, attribute: 'page-size' }) pageSize = 100;
  @property({ type: Number, attribute: 'item-size' }) itemSize = 150;
  @property({ attribute: 'job-href' }) jobHref = '';
  @property({ type: Boolean, attribute: 'only-stale' }) onlyStale = false;

  @state() private items: Artifact[] = [];
  @state() private nextCursor: string | null = null;
  @state() private exhausted = false;
  @state() private loading = false;
  @state() private error: string | null = null;
  @state() private layout: GridLayout = gridLayout(600, 150, GAP);
  @state() private scrollOffset = 0;
  @state() private viewportHeight = 480;
  @state() private selected: ArtifactDetail | null = null;
  /** The item the lightbox shows (its index in `items`); null when closed. */
  @state() private openIndex: number | null = null;
  @state() private stale = false;
  @state() private focusIndex = 0;

  @query('[part="viewport"]') private viewport!: HTMLElement;
  private resizeObserver: ResizeObserver | null = null;
  private generation = 0;
  private scrollFrame = 0;

  /** How many artifacts are loaded so far (not how many are in the DOM). */
  get loadedCount(): number {
    return this.items.length;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.resizeObserver = new ResizeObserver(() => this.measure());
    this.subscribe((message) => {
      // New outputs appear when a job succeeds; do not yank the grid from under the reader.
      if (message.type === 'job.finished' && message.job.status === 'SUCCEEDED') this.stale = true;
      if (message.type === 'reconnected') this.stale = true;
    });
    void this.reload();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver?.disconnect();
    cancelAnimationFrame(this.scrollFrame);
  }

  protected override firstUpdated(): void {
    if (this.viewport) this.resizeObserver?.observe(this.viewport);
    this.measure();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if ((changed.has('kind') || changed.has('artifactRole') || changed.has('workflow') || changed.has('onlyStale') || changed.has('api') || changed.has('token')) && this.hasUpdated) void this.reload();
    if (changed.has('itemSize')) this.layout = gridLayout(this.viewport?.clientWidth ?? 600, this.itemSize, GAP);
  }

  protected override updated(): void {
    this.maybeLoadMore();
  }

  /** Drops what is loaded and starts again from the newest artifact. */
  async reload(): Promise<void> {
    this.generation++;
    this.items = [];
    this.nextCursor = null;
    this.exhausted = false;
    this.stale = false;
    this.error = null;
    this.focusIndex = 0;
    this.openIndex = null;
    this.selected = null;
    if (this.viewport) this.viewport.scrollTop = 0;
    this.scrollOffset = 0;
    await this.loadPage();
  }

  private async loadPage(): Promise<void> {
    if (this.loading || this.exhausted) return;
    const generation = this.generation;
    this.loading = true;
    try {
      const page = await this.client.listArtifacts({
        kind: csvList<MediaKind>(this.kind),
        role: csvList<ArtifactRole>(this.artifactRole),
        workflow: csvList<WorkflowKind>(this.workflow),
        stale: this.onlyStale ? true : undefined,
        limit: Math.max(1, Math.min(200, this.pageSize)),
        cursor: this.nextCursor,
      });
      if (generation !== this.generation) return;
      this.items = [...this.items, ...page.items];
      this.nextCursor = page.nextCursor;
      this.exhausted = !page.nextCursor;
      emit(this, 'media-lab-gallery-page', { loaded: this.items.length, hasMore: !this.exhausted });
    } catch (error) {
      if (generation !== this.generation) return;
      if (!this.handleAccessError(error)) this.error = messageOf(error);
    } finally {
      if (generation === this.generation) this.loading = false;
    }
  }

  /** Fetch the next page when the reader is within two screens of the end of what is loaded. */
  private maybeLoadMore(): void {
    if (this.loading || this.exhausted || this.error || this.accessProblem) return;
    const loadedBottom = totalHeight(this.layout, this.items.length);
    if (this.scrollOffset + this.viewportHeight * 3 >= loadedBottom) void this.loadPage();
  }

  private measure(): void {
    if (!this.viewport) return;
    const width = this.viewport.clientWidth;
    if (width > 0) this.layout = gridLayout(width, this.itemSize, GAP);
    this.viewportHeight = this.viewport.clientHeight || this.viewportHeight;
  }

  private onScroll(): void {
    // One render per frame, however many scroll events arrive.
    if (this.scrollFrame) return;
    this.scrollFrame = requestAnimationFrame(() => {
      this.scrollFrame = 0;
      this.scrollOffset = this.viewport.scrollTop;
    });
  }

  /** Opens the item's details in the lightbox. */
  private async select(artifact: Artifact, index: number): Promise<void> {
    this.focusIndex = index;
    this.openIndex = index;
    emit(this, 'media-lab-artifact-select', { artifact });
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('[part="lightbox"]')?.focus();
    try {
      const detail = await this.client.getArtifact(artifact.id);
      if (this.openIndex === index) this.selected = detail;
    } catch (error) {
      if (!this.handleAccessError(error)) this.error = messageOf(error);
    }
  }

  /** Closes the lightbox; focus goes back to the item it showed. */
  private async closeLightbox(): Promise<void> {
    const index = this.openIndex;
    this.openIndex = null;
    this.selected = null;
    if (index !== null) await this.focusItem(index);
  }

  /** The previous (-1) or next (+1) item in the lightbox, loading the next page at the end. */
  private async step(by: -1 | 1): Promise<void> {
    if (this.openIndex === null) return;
    const next = this.openIndex + by;
    if (next < 0) return;
    if (next >= this.items.length) {
      if (this.exhausted) return;
      await this.loadPage();
      if (next >= this.items.length) return;
    }
    this.selected = null;
    await this.select(this.items[next], next);
  }

  /** Tab and Shift+Tab go round the lightbox's controls, never behind it (it is modal). */
  private trapTab(event: KeyboardEvent): void {
    const box = this.renderRoot.querySelector<HTMLElement>('[part="lightbox"]');
    if (!box) return;
    const focusable = [...box.querySelectorAll<HTMLElement>('button:not([disabled]), a[href], video[controls], media-lab-audio')];
    if (!focusable.length) return;
    const active = (this.renderRoot as ShadowRoot).activeElement;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    const outside = !active || !box.contains(active) || active === box;
    if (event.shiftKey && (outside || active === first)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (outside || active === last)) {
      event.preventDefault();
      first.focus();
    }
  }

  private onLightboxKey(event: KeyboardEvent): void {
    if (event.key === 'Tab') return this.trapTab(event);
    const actions: Record<string, () => Promise<void>> = {
      Escape: () => this.closeLightbox(),
      ArrowLeft: () => this.step(-1),
      ArrowRight: () => this.step(1),
    };
    const action = actions[event.key];
    if (!action) return;
    // Keys inside a player (seeking a video) stay the player's, except Escape.
    const inPlayer = event.composedPath().some((el) => el instanceof HTMLMediaElement || (el instanceof HTMLElement && el.tagName === 'MEDIA-LAB-AUDIO'));
    if (inPlayer && event.key !== 'Escape') return;
    event.preventDefault();
    event.stopPropagation();
    void action();
  }

  private onGridKey(event: KeyboardEvent): void {
    const count = this.items.length;
    if (!count) return;
    const columns = this.layout.columns;
    const rowsPerPage = Math.max(1, Math.floor(this.viewportHeight / this.layout.rowHeight));
    const moves: Record<string, number> = {
      ArrowRight: 1,
      ArrowLeft: -1,
      ArrowDown: columns,
      ArrowUp: -columns,
      PageDown: columns * rowsPerPage,
      PageUp: -columns * rowsPerPage,
    };
    let next: number;
    if (event.key in moves) next = this.focusIndex + moves[event.key];
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = count - 1;
    else return;
    event.preventDefault();
    this.focusItem(Math.max(0, Math.min(count - 1, next)));
  }

  /** Scrolls the item into view (rendering it if it was virtualised away), then focuses it. */
  private async focusItem(index: number): Promise<void> {
    this.focusIndex = index;
    const { y } = cellPosition(this.layout, index);
    const top = this.viewport.scrollTop;
    if (y < top) this.viewport.scrollTop = y;
    else if (y + this.layout.cellSize > top + this.viewportHeight) this.viewport.scrollTop = y + this.layout.cellSize - this.viewportHeight;
    this.scrollOffset = this.viewport.scrollTop;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(`[data-index="${index}"]`)?.focus({ preventScroll: true });
  }

  private jobLink(jobId: string | null) {
    if (!jobId) return nothing;
    const href = this.jobHref ? this.jobHref.replace('{id}', encodeURIComponent(jobId)) : '';
    return html`<dt>Job</dt><dd>${href ? html`<a href=${href}>${shortId(jobId)}</a>` : shortId(jobId)}</dd>`;
  }

  private renderItem(artifact: Artifact, index: number) {
    const { x, y } = cellPosition(this.layout, index);
    const size = this.layout.cellSize;
    const caption = artifact.kind === 'image' ? `${artifact.width ?? '?'}×${artifact.height ?? '?'}` : formatClock(artifact.duration ?? 0);
    return html`<li part="cell" style="transform:translate(${x}px,${y}px);width:${size}px;height:${size}px" aria-setsize=${this.exhausted ? this.items.length : -1} aria-posinset=${index + 1}>
      <button
        part="item item-${artifact.kind}"
        data-index=${index}
        data-artifact-id=${artifact.id}
        data-kind=${artifact.kind}
        tabindex=${index === this.focusIndex ? 0 : -1}
        aria-pressed=${this.openIndex === index ? 'true' : 'false'}
        aria-haspopup="dialog"
        data-stale=${artifact.stale ? 'true' : 'false'}
        aria-label="${artifact.kind} ${artifact.role}, ${caption}, ${formatTime(artifact.createdAt)}${artifact.stale ? ', stale' : ''}"
        @click=${() => void this.select(artifact, index)}
      >
        ${artifact.thumbnailUrl
          ? html`<img part="thumbnail thumbnail-${artifact.kind}" src=${this.client.mediaUrl(`${artifact.thumbnailUrl}?size=256`)} alt="" loading="lazy" decoding="async" />`
          : html`<span part="icon" aria-hidden="true">${ICONS[artifact.kind]}</span>`}
        ${artifact.kind !== 'image' ? html`<span part="badge" aria-hidden="true">${BADGES[artifact.kind]}</span>` : nothing}
        <span part="caption">${artifact.role} · ${caption}</span>
        ${artifact.stale ? html`<span part="stale-badge" title=${artifact.staleReason?.message ?? 'stale'}>stale</span>` : nothing}
      </button>
    </li>`;
  }

  private renderDetail(artifact: ArtifactDetail) {
    const src = this.client.mediaUrl(artifact.contentUrl);
    const preview =
      artifact.kind === 'image'
        ? html`<img src=${src} alt="Selected ${artifact.role} image" />`
        : artifact.kind === 'video'
          ? html`<video src=${src} controls preload="metadata" poster=${artifact.thumbnailUrl ? this.client.mediaUrl(`${artifact.thumbnailUrl}?size=1024`) : nothing}></video>`
          : html`<div class="audio-preview"><media-lab-audio api=${this.api} .token=${this.token} src=${src} label="Selected audio"></media-lab-audio></div>`;
    return html`<section part="detail" aria-label="Artifact details" data-artifact-id=${artifact.id}>
      <div class="preview">${preview}</div>
      <dl>
        <dt>Kind</dt><dd>${artifact.kind} (${artifact.mime})</dd>
        <dt>Role</dt><dd>${artifact.role}</dd>
        <dt>Size</dt><dd>${formatBytes(artifact.bytes)}${artifact.width ? ` · ${artifact.width}×${artifact.height}` : ''}${artifact.duration ? ` · ${formatClock(artifact.duration)}` : ''}${artifact.fps ? ` · ${artifact.fps} fps` : ''}</dd>
        <dt>Created</dt><dd>${formatTime(artifact.createdAt)}${artifact.createdBy ? ` by ${artifact.createdBy}` : ''}</dd>
        ${this.jobLink(artifact.jobId)}
      </dl>
      ${artifact.lineage.length
        ? html`<div><strong>Lineage</strong>
            <ol data-role="lineage">
              ${artifact.lineage.map((a) => html`<li>${a.kind} ${a.role} ${shortId(a.id)}${a.jobId ? html` · job ${shortId(a.jobId)}` : ' · uploaded'}</li>`)}
            </ol></div>`
        : artifact.jobId
          ? nothing
          : html`<p>Uploaded source (no parents).</p>`}
      ${artifact.jobId
        ? html`<media-lab-provenance part="provenance" api=${this.api} .token=${this.token} artifact-id=${artifact.id} job-href=${this.jobHref}></media-lab-provenance>`
        : nothing}
      <p><a href=${src} target="_blank" rel="noopener">Open the original</a></p>
    </section>`;
  }

  private renderLightbox(index: number) {
    const item = this.items[index];
    if (!item) return nothing;
    const detail = this.selected && this.selected.id === item.id ? this.selected : null;
    const last = this.exhausted && index >= this.items.length - 1;
    return html`<div class="backdrop" @click=${(e: Event) => e.target === e.currentTarget && void this.closeLightbox()}>
      <div part="lightbox" role="dialog" aria-modal="true" aria-label="${capitalise(item.kind)} ${item.role} ${index + 1}" tabindex="-1" data-index=${index} @keydown=${this.onLightboxKey}>
        <div class="lightbox-bar">
          <button part="lightbox-prev" data-action="previous" aria-label="Previous item" ?disabled=${index === 0} @click=${() => void this.step(-1)}>‹</button>
          <span class="position">${index + 1} / ${this.exhausted ? this.items.length : `${this.items.length}+`}</span>
          <button part="lightbox-next" data-action="next" aria-label="Next item" ?disabled=${last} @click=${() => void this.step(1)}>›</button>
          <button part="lightbox-close" data-action="close" aria-label="Close (Escape)" @click=${() => void this.closeLightbox()}>✕</button>
        </div>
        ${detail ? this.renderDetail(detail) : html`<p aria-busy="true" class="loading">Loading…</p>`}
      </div>
    </div>`;
  }

  private renderFilters() {
    const select = (name: string, label: string, options: Array<[string, string]>, value: string | null, set: (v: string | null) => void) =>
      html`<label part="filter"
        ><span class="visually-hidden">${label}</span
        ><select name=${name} aria-label=${label} @change=${(e: Event) => set((e.target as HTMLSelectElement).value || null)}>
          ${options.map(([v, text]) => html`<option value=${v} ?selected=${(value ?? '') === v}>${text}</option>`)}
        </select></label
      >`;
    return html`<div part="filters" role="group" aria-label="Filter the gallery">
      ${select('kind', 'Kind', KIND_FILTER, this.kind, (v) => (this.kind = v))}
      ${select('role', 'Role', ROLE_FILTER, this.artifactRole, (v) => (this.artifactRole = v))}
      ${select('workflow', 'Workflow', WORKFLOW_FILTER, this.workflow, (v) => (this.workflow = v))}
    </div>`;
  }

  override render() {
    if (this.accessProblem) return accessNotice(this.accessProblem);
    const { start, end } = visibleRange(this.layout, this.items.length, this.scrollOffset, this.viewportHeight);
    const visible = this.items.slice(start, end);
    const status = this.error
      ? this.error
      : `${this.items.length.toLocaleString()} loaded${this.exhausted ? '' : this.loading ? ', loading more…' : ', scroll for more'}`;
    return html`<div part="toolbar">
        ${this.renderFilters()}
        ${this.stale ? html`<button part="refresh" data-action="refresh-gallery" @click=${() => void this.reload()}>New artifacts: show them</button>` : nothing}
        <span part="status" role="status" data-loaded=${this.items.length} data-exhausted=${this.exhausted ? 'true' : 'false'}>${status}</span>
      </div>
      <div part="viewport" tabindex="-1" @scroll=${this.onScroll} @keydown=${this.onGridKey}>
        <ul part="grid" role="list" aria-label="Artifacts" style="height:${totalHeight(this.layout, this.items.length)}px">
          ${repeat(
            visible,
            (a) => a.id,
            (a, i) => this.renderItem(a, start + i),
          )}
        </ul>
        ${!this.loading && this.exhausted && this.items.length === 0 ? html`<p style="padding:1rem">${this.kind || this.artifactRole || this.workflow ? 'Nothing matches these filters.' : 'No artifacts yet. Upload something or run a job.'}</p>` : nothing}
      </div>
      ${this.openIndex !== null ? this.renderLightbox(this.openIndex) : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'media-lab-gallery': MediaLabGallery;
  }
}
