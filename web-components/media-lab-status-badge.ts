// <media-lab-status-badge status="RUNNING">: a job's status as a coloured pill.
//
// Attributes: status (QUEUED | RUNNING | SUCCEEDED | FAILED | CANCELLED)
// Parts: badge
// CSS properties: --media-lab-badge-color, --media-lab-badge-running, --media-lab-badge-succeeded,
//   --media-lab-badge-failed, --media-lab-badge-cancelled
import { LitElement, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { JobStatus } from '../contract/jobs.js';
import { statusBadgeStyles } from './media-lab-status-badge.styles.js';

@customElement('media-lab-status-badge')
export class MediaLabStatusBadge extends LitElement {
  static override styles = statusBadgeStyles;

  @property({ reflect: true }) status: JobStatus = 'QUEUED';

  override render() {
    return html`<span part="badge" data-status=${this.status} role="status">${this.status}</span>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'media-lab-status-badge': MediaLabStatusBadge;
  }
}
