import { css } from 'lit';
import { themeStyles } from './theme.styles.js';

export const progressStyles = [
  themeStyles,
  css`
    :host {
      display: block;
      min-width: 6rem;
    }
    [part='track'] {
      height: var(--media-lab-progress-height, 0.5rem);
      border-radius: 999px;
      background: var(--media-lab-progress-track, var(--_surface));
      border: 1px solid var(--_border);
      overflow: hidden;
    }
    [part='bar'] {
      height: 100%;
      background: var(--media-lab-progress-color, var(--_accent));
      transition: width 0.2s ease;
    }
    [part='label'] {
      display: flex;
      justify-content: space-between;
      gap: 0.5rem;
      font-size: 0.8rem;
      color: var(--_muted);
      margin-top: 0.2rem;
    }
    [part='eta'] {
      margin-left: auto;
      white-space: nowrap;
    }
    [part='stage'] {
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
      min-width: 0;
    }
  `,
];
