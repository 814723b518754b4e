import { css } from 'lit';
import { themeStyles } from './theme.styles.js';

export const statusBadgeStyles = [
  themeStyles,
  css`
    :host {
      display: inline-flex;
    }
    [part='badge'] {
      display: inline-block;
      font-size: 0.75rem;
      font-weight: 600;
      letter-spacing: 0.03em;
      padding: 0.15rem 0.5rem;
      border-radius: 999px;
      border: 1px solid currentColor;
      white-space: nowrap;
      color: var(--media-lab-badge-color, var(--_muted));
      background: color-mix(in srgb, currentColor 12%, transparent);
    }
    :host([status='RUNNING']) [part='badge'] {
      color: var(--media-lab-badge-running, var(--_info));
    }
    :host([status='SUCCEEDED']) [part='badge'] {
      color: var(--media-lab-badge-succeeded, var(--_success));
    }
    :host([status='FAILED']) [part='badge'] {
      color: var(--media-lab-badge-failed, var(--_danger));
    }
    :host([status='CANCELLED']) [part='badge'] {
      color: var(--media-lab-badge-cancelled, var(--_warning));
    }
  `,
];
