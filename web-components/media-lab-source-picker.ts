// <media-lab-source-picker>: picks a reference from the host's own media (the `sources` option)
// beside a file upload: one "From <label>" button per source opens a panel with a search box,
// the source's items page by page, and a button per item. Picking imports the item as an input
// artifact (POST /sources/:name/import: stored once, sha256 dedup) and dispatches
// `media-lab-source-picked`.
//
// Attributes: api, token, label (what the picked file is for, for screen readers)
// Properties: sources (SourceInfo[]), accept (MediaKind[]: items of other kinds are left out)
// Events: media-lab-source-picked { artifact, source, item }
// Parts: sources, open-source, panel, search, items, item, paging, status
import { html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { MediaKind } from '../contract/media.js';
import type { SourceInfo, SourceItem } from '../contract/sources.js';
import { emit } from './events.js';
import { LabElement, messageOf } from './lab-element.js';
import { sourcePickerStyles } from './media-lab-source-picker.styles.js';

@customElement('media-lab-source-picker')
export class MediaLabSourcePicker extends LabElement {
  static override styles = sourcePickerStyles;

  @property({ attribute: false }) sources: SourceInfo[] = [];
  @property({ attribute: false }) accept: MediaKind[] = [];
  @property() label = 'reference';

  @state() private open: SourceInfo | null = null;
  @state() private query = '';
  @state() private page = 1;
  @state() private items: SourceItem[] = [];
  @state() private hasMore = false;
  @state() private loading = false;
  @state() private importing: string | null = null;
  @state() private error: string | null = null;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private request = 0;

  private async load(): Promise<void> {
    const source = this.open;
    if (!source) return;
    const request = ++this.request;
    this.loading = true;
    this.error = null;
    try {
      const page = await this.client.sourceItems(source.name, this.query, this.page);
      if (request !== this.request) return; // a newer search or page is on its way
      this.items = page.items.filter((i) => !i.kind || !this.accept.length || this.accept.includes(i.kind));
      this.hasMore = page.hasMore;
    } catch (error) {
      if (request === this.request && !this.handleAccessError(error)) this.error = messageOf(error);
    } finally {
      if (request === this.request) this.loading = false;
    }
  }

  private toggle(source: SourceInfo): void {
    if (this.open?.name === source.name) {
      this.open = null;
      return;
    }
    this.open = source;
    this.query = '';
    this.page = 1;
    this.items = [];
    void this.load();
  }

  private onSearch(event: Event): void {
    this.query = (event.target as HTMLInputElement).value;
    this.page = 1;
    clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => void this.load(), 200);
  }

  private turn(delta: number): void {
    this.page = Math.max(1, this.page + delta);
    void this.load();
  }

  private async pick(item: SourceItem): Promise<void> {
    const source = this.open;
    if (!source || this.importing) return;
    this.importing = item.id;
    this.error = null;
    try {
      const artifact = await this.client.importFromSource(source.name, item.id);
      emit(this, 'media-lab-source-picked', { artifact, source, item });
      this.open = null;
    } catch (error) {
      if (!this.handleAccessError(error)) this.error = `${item.label}: ${messageOf(error)}`;
    } finally {
      this.importing = null;
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.searchTimer);
  }

  private renderPanel(source: SourceInfo) {
    return html`<div part="panel" role="group" aria-label="Pick a ${this.label} from ${source.label}">
      <input part="search" type="search" name="source-query" placeholder="Search ${source.label}" aria-label="Search ${source.label}" .value=${this.query} @input=${this.onSearch} />
      ${this.error ? html`<p part="status" role="alert" data-error-for="source">${this.error}</p>` : nothing}
      ${!this.loading && !this.error && !this.items.length ? html`<p part="status">Nothing ${this.query ? `matches "${this.query}"` : 'here'}.</p>` : nothing}
      <ul part="items" aria-busy=${this.loading ? 'true' : 'false'}>
        ${this.items.map(
          (item) => html`<li>
            <button part="item" type="button" data-item=${item.id} title=${item.id} ?disabled=${this.importing !== null} @click=${() => void this.pick(item)}>
              ${this.importing === item.id ? `Importing ${item.label}…` : item.label}
            </button>
          </li>`,
        )}
      </ul>
      <div part="paging">
        <button type="button" data-action="source-prev" ?disabled=${this.page <= 1 || this.loading} @click=${() => this.turn(-1)}>Previous</button>
        <span part="status">Page ${this.page}</span>
        <button type="button" data-action="source-next" ?disabled=${!this.hasMore || this.loading} @click=${() => this.turn(1)}>Next</button>
        <button type="button" data-action="source-close" @click=${() => (this.open = null)}>Close</button>
      </div>
    </div>`;
  }

  override render() {
    if (!this.sources.length) return nothing;
    return html`<div part="sources">
        ${this.sources.map(
          (source) => html`<button
            part="open-source"
            type="button"
            data-action="open-source"
            data-source=${source.name}
            aria-expanded=${this.open?.name === source.name ? 'true' : 'false'}
            @click=${() => this.toggle(source)}
          >
            From ${source.label}
          </button>`,
        )}
      </div>
      ${this.open ? this.renderPanel(this.open) : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'media-lab-source-picker': MediaLabSourcePicker;
  }
}
