// <media-lab-gallery>: every published artifact as a grid of thumbnails, newest first, loaded page
// by page (cursor) as you scroll. Only the rows in view are in the DOM, so ten thousand artifacts
// scroll as smoothly as ten. Arrow keys move between items; Enter opens an item's details.
//
// Attributes: api, token, kind (image,video,audio filter), artifact-role (input,output,... filter),
//   only-stale (only artifacts made with a superseded preset version or a changed model),
//   page-size (default 100), item-size (smallest cell in px, default 150), job-href ("/jobs/{id}")
// A stale artifact carries a "stale" badge; its details show why, with its provenance
// (<media-lab-provenance>: Refresh, Reproduce).
// Events: media-lab-artifact-select { artifact }, media-lab-gallery-page { loaded, hasMore }
// Parts: toolbar, status, refresh, viewport, grid, cell, item, thumbnail, icon, caption, stale-badge,
//   detail, provenance (its stale notice says why an artifact is stale)
// CSS properties: --media-lab-gallery-height, --media-lab-gallery-item-bg
import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { LabElement, messageOf } from './lab-element.js';
import type { Artifact, ArtifactDetail } from '../contract/artifact.js';
import type { ArtifactRole, MediaKind } from '../contract/media.js';
import { emit } from './events.js';
import { accessNotice } from './access-notice.js';
import { formatBytes, formatClock, formatTime, shortId } from './format.js';
import { cellPosition, gridLayout, totalHeight, visibleRange, type GridLayout } from './virtual-grid.js';
import { galleryStyles } from './media-lab-gallery.styles.js';
import './media-lab-provenance.js';

const GAP = 8;
const ICONS: Record<MediaKind, string> = { image: '🖼', video: '🎞', audio: '♪' };

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
    if ((changed.has('kind') || changed.has('artifactRole') || changed.has('onlyStale') || changed.has('api') || changed.has('token')) && this.hasUpdated) void this.reload();
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

  private async select(artifact: Artifact, index: number): Promise<void> {
    this.focusIndex = index;
    emit(this, 'media-lab-artifact-select', { artifact });
    try {
      this.selected = await this.client.getArtifact(artifact.id);
    } catch (error) {
      if (!this.handleAccessError(error)) this.error = messageOf(error);
    }
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
        aria-pressed=${this.selected?.id === artifact.id ? 'true' : 'false'}
        data-stale=${artifact.stale ? 'true' : 'false'}
        aria-label="${artifact.kind} ${artifact.role}, ${caption}, ${formatTime(artifact.createdAt)}${artifact.stale ? ', stale' : ''}"
        @click=${() => void this.select(artifact, index)}
      >
        ${artifact.thumbnailUrl
          ? html`<img part="thumbnail" src=${this.client.mediaUrl(`${artifact.thumbnailUrl}?size=256`)} alt="" loading="lazy" decoding="async" />`
          : html`<span part="icon" aria-hidden="true">${ICONS[artifact.kind]}</span>`}
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
          ? html`<video src=${src} controls preload="metadata"></video>`
          : html`<media-lab-audio api=${this.api} .token=${this.token} src=${src} label="Selected audio"></media-lab-audio>`;
    return html`<section part="detail" aria-label="Artifact details" data-artifact-id=${artifact.id}>
      ${preview}
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

  override render() {
    if (this.accessProblem) return accessNotice(this.accessProblem);
    const { start, end } = visibleRange(this.layout, this.items.length, this.scrollOffset, this.viewportHeight);
    const visible = this.items.slice(start, end);
    const status = this.error
      ? this.error
      : `${this.items.length.toLocaleString()} loaded${this.exhausted ? '' : this.loading ? ', loading more…' : ', scroll for more'}`;
    return html`<div part="toolbar">
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
        ${!this.loading && this.exhausted && this.items.length === 0 ? html`<p style="padding:1rem">No artifacts yet. Upload something or run a job.</p>` : nothing}
      </div>
      ${this.selected ? this.renderDetail(this.selected) : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'media-lab-gallery': MediaLabGallery;
  }
}
