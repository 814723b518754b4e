import { css } from 'lit';
import { themeStyles } from './theme.styles.js';

export const provenanceStyles = [
  themeStyles,
  css`
    :host {
      display: block;
      min-width: 0;
    }
    [part='graph'] {
      margin-block: 0.5rem;
    }
    .node {
      box-sizing: border-box;
      padding: 0.4rem 0.5rem;
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      background: var(--_surface);
      font-size: 0.78rem;
      overflow: hidden;
    }
    .node[data-stale='true'] {
      border-color: color-mix(in srgb, var(--_warning) 60%, var(--_border));
    }
    [part='stale-notice'] {
      border: 1px solid color-mix(in srgb, var(--_warning) 60%, var(--_border));
      border-radius: var(--_radius);
      padding: 0.5rem 0.75rem;
      margin-block: 0.5rem;
    }
    [part='actions'] {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem;
      margin-block: 0.5rem;
    }
    [part='steps'] {
      margin: 0;
      padding-inline-start: 1.25rem;
      display: grid;
      gap: 0.75rem;
    }
    [part~='step'] {
      border-inline-start: 3px solid var(--_border);
      padding-inline-start: 0.6rem;
    }
    [part~='step-stale'] {
      border-inline-start-color: var(--_warning);
    }
    [part='stale-badge'] {
      display: inline-block;
      font-size: 0.75rem;
      font-weight: 600;
      padding: 0.05rem 0.45rem;
      border-radius: 999px;
      border: 1px solid currentColor;
      color: var(--media-lab-stale-color, var(--_warning));
      background: color-mix(in srgb, currentColor 12%, transparent);
    }
    dl {
      display: grid;
      grid-template-columns: max-content 1fr;
      gap: 0.15rem 0.75rem;
      margin: 0.35rem 0 0;
      font-size: 0.85rem;
    }
    dt {
      color: var(--_muted);
    }
    dd {
      margin: 0;
      overflow-wrap: anywhere;
    }
    code {
      font-size: 0.8rem;
    }
  `,
];
