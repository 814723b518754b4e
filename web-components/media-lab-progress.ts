// <media-lab-progress value="0.4" stage="tile 3/8">: a progress bar with its stage text.
//
// Attributes: value (0..1), stage (text), eta (text: "about 40 s left"; see eta.ts)
// Parts: track, bar, label, stage, eta, percent
// CSS properties: --media-lab-progress-color, --media-lab-progress-track, --media-lab-progress-height
import { LitElement, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { formatPercent } from './format.js';
import { progressStyles } from './media-lab-progress.styles.js';

@customElement('media-lab-progress')
export class MediaLabProgress extends LitElement {
  static override styles = progressStyles;

  @property({ type: Number }) value = 0;
  @property() stage: string | null = null;
  @property() eta: string | null = null;

  override render() {
    const percent = formatPercent(this.value);
    return html`<div part="track" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${Math.round(Math.max(0, Math.min(1, this.value)) * 100)} aria-valuetext=${this.stage ? `${percent}, ${this.stage}` : percent}>
        <div part="bar" style="width:${percent}"></div>
      </div>
      <div part="label"><span part="stage" data-role="stage">${this.stage ?? ''}</span>${this.eta ? html`<span part="eta" data-role="eta">${this.eta}</span>` : nothing}<span part="percent">${percent}</span></div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'media-lab-progress': MediaLabProgress;
  }
}
