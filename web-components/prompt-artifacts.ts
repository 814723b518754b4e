// <prompt-artifacts prompt-id="42" api="/api/prompts">: the media of one prompt on a host's
// prompt-queue page: image thumbnails (linking to the full file), audio players, a count badge next
// to the prompt type ("image (4)"), the status, the error when making it failed, and a refresh
// button, and why a waiting prompt is held back ("paused: there is no preset ..."). It reads the
// prompt-queue routes, so the prompt's owner sees it too, not only admins.
//
// Attributes: prompt-id, api (the prompt routes' mount, default /api/prompts), token,
//   prompt-type (shown before the first load), poll (seconds; refresh while pending or processing)
// Events: prompt-artifacts-loaded { promptId, count, status }
// Parts: header, badge, status, refresh, paused, items, thumbnail, audio, error, empty
// CSS properties: --media-lab-prompt-thumb-size, --media-lab-prompt-badge-bg,
//   --media-lab-prompt-badge-fg (plus the shared --media-lab-* tokens)
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { DEFAULT_PROMPTS_API, promptClientFor, type PromptQueueClient } from './api-client.js';
import type { PromptArtifact, PromptArtifacts } from '../contract/prompts.js';
import { emit } from './events.js';
import { messageOf } from './lab-element.js';
import { promptArtifactsStyles } from './prompt-artifacts.styles.js';
import './media-lab-audio.js';

const STATUS_TEXT: Record<string, string> = {
  pending: 'waiting',
  processing: 'in progress',
  ready: 'ready',
  error: 'failed',
};

/** The server's `paused: <why>` as a sentence: `Processing is paused: <why>.` */
export function pausedText(note: string): string {
  const why = note.replace(/^paused:\s*/i, '').replace(/\.$/, '');
  return `Processing is paused: ${why}.`;
}

@customElement('prompt-artifacts')
export class PromptArtifactsElement extends LitElement {
  static override styles = promptArtifactsStyles;

  @property({ attribute: 'prompt-id', reflect: true }) promptId = '';
  @property() api: string = DEFAULT_PROMPTS_API;
  @property() token: string | null = null;
  @property({ attribute: 'prompt-type' }) promptType = '';
  @property({ type: Number }) poll = 0;

  @state() private data: PromptArtifacts | null = null;
  @state() private loading = false;
  @state() private error: string | null = null;

  private pollTimer: ReturnType<typeof setTimeout> | null = null;
  private generation = 0;

  private get client(): PromptQueueClient {
    return promptClientFor(this.api, this.token);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopPolling();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated) void this.refresh();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('promptId') || changed.has('api') || changed.has('token')) {
      this.data = null;
      void this.refresh();
    }
  }

  /** Reads the prompt's artifacts again. */
  async refresh(): Promise<void> {
    if (!this.promptId) return;
    this.stopPolling();
    const generation = ++this.generation;
    this.loading = true;
    try {
      const data = await this.client.promptArtifacts(this.promptId);
      if (generation !== this.generation) return;
      this.data = data;
      this.error = null;
      emit(this, 'prompt-artifacts-loaded', { promptId: this.promptId, count: data.artifact_count, status: data.artifact_status });
    } catch (error) {
      if (generation === this.generation) this.error = messageOf(error);
    } finally {
      if (generation === this.generation) {
        this.loading = false;
        this.schedulePoll();
      }
    }
  }

  private schedulePoll(): void {
    const status = this.data?.artifact_status;
    if (this.poll > 0 && this.isConnected && (status === 'pending' || status === 'processing')) {
      this.pollTimer = setTimeout(() => void this.refresh(), this.poll * 1000);
    }
  }

  private stopPolling(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }

  private renderArtifact(artifact: PromptArtifact, index: number) {
    const file = this.client.mediaUrl(artifact.file_url);
    if (artifact.artifact_type === 'image') {
      const thumb = this.client.mediaUrl(artifact.preview_url ?? artifact.file_url);
      return html`<li class="image" data-artifact-id=${artifact.id}>
        <a href=${file} target="_blank" rel="noopener"><img part="thumbnail" data-role="prompt-thumbnail" src=${thumb} alt="Image ${index + 1} of prompt ${this.promptId}" loading="lazy" /></a>
      </li>`;
    }
    return html`<li class="audio" data-artifact-id=${artifact.id}>
      <media-lab-audio part="audio" data-role="prompt-audio" .token=${this.token} src=${file} label="Audio ${index + 1} of prompt ${this.promptId}"></media-lab-audio>
    </li>`;
  }

  override render() {
    const data = this.data;
    const type = data?.prompt_type ?? this.promptType;
    const outputs = (data?.artifacts ?? []).filter((a) => a.artifact_type === 'image' || a.artifact_type === 'audio');
    const status = data?.artifact_status ?? null;
    const failed = status === 'error';
    return html`<div part="header">
        <span part="badge" data-role="count" data-count=${data?.artifact_count ?? ''}>${type || 'prompt'}${data ? ` (${data.artifact_count})` : ''}</span>
        ${status ? html`<span part="status" data-status=${status}>${STATUS_TEXT[status] ?? status}</span>` : nothing}
        <button part="refresh" data-action="refresh" ?disabled=${this.loading} aria-label="Refresh the media of prompt ${this.promptId}" @click=${() => void this.refresh()}>
          ${this.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      ${this.error ? html`<p part="error" role="alert" data-role="load-error">Could not load the media: ${this.error}</p>` : nothing}
      ${data?.paused && status === 'pending' ? html`<p part="paused" role="status" data-role="prompt-paused">${pausedText(data.paused)}</p>` : nothing}
      ${failed ? html`<p part="error" role="alert" data-role="prompt-error">Making the media failed${data?.error_message ? `: ${data.error_message}` : '.'}</p>` : nothing}
      ${outputs.length ? html`<ul part="items">${outputs.map((a, i) => this.renderArtifact(a, i))}</ul>` : nothing}
      ${data && !outputs.length && !failed
        ? html`<p part="empty">${status === 'pending' ? (data.paused ? 'Waiting until processing resumes.' : 'Waiting to be processed.') : status === 'processing' ? 'Being made…' : 'No media for this prompt.'}</p>`
        : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'prompt-artifacts': PromptArtifactsElement;
  }
}
