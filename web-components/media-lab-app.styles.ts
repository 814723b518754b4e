import { css } from 'lit';
import { themeStyles } from './theme.styles.js';

export const appStyles = [
  themeStyles,
  css`
    :host {
      display: block;
      min-width: 0;
      background: var(--media-lab-app-bg, transparent);
    }
    [part='tablist'] {
      display: flex;
      flex-wrap: wrap;
      gap: 0.25rem;
      border-bottom: 1px solid var(--_border);
      margin-bottom: 1rem;
    }
    [part~='tab'] {
      border: 1px solid transparent;
      border-bottom: none;
      border-radius: var(--_radius) var(--_radius) 0 0;
      background: none;
      color: var(--_muted);
      padding: 0.45rem 0.8rem;
      margin-bottom: -1px;
    }
    [part~='tab'][aria-selected='true'] {
      color: var(--_fg);
      background: var(--_bg);
      border-color: var(--_border);
      border-bottom: 1px solid var(--_bg);
      font-weight: 600;
    }
    [part~='tab'] .unavailable {
      color: var(--_warning);
      margin-inline-start: 0.1rem;
    }
    [part='panel'] {
      min-width: 0;
    }
    [part='latest'] {
      margin-top: 1.5rem;
      padding-top: 1rem;
      border-top: 1px solid var(--_border);
    }
    [part='latest'] h2 {
      font-size: 1rem;
      margin: 0 0 0.5rem;
    }
  `,
];
