import { css } from 'lit';
import { themeStyles } from './theme.styles.js';

export const jobStyles = [
  themeStyles,
  css`
    :host {
      display: block;
      min-width: 0;
      overflow-wrap: anywhere;
    }
    [part='header'] {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem 0.75rem;
      align-items: center;
    }
    [part='header'] h2 {
      margin: 0;
      font-size: 1.25rem;
    }
    .id {
      font-family: ui-monospace, monospace;
      font-size: 0.8rem;
      color: var(--_muted);
    }
    section {
      margin-top: 1rem;
      min-width: 0;
    }
    .step-card {
      display: flex;
      flex-direction: column;
      gap: 0.35rem;
      padding: 0.5rem 0.6rem;
      border: 1px solid var(--_border, #ccc);
      border-radius: 0.5rem;
      background: var(--_surface, transparent);
      font-size: 0.85rem;
      box-sizing: border-box;
    }
    .step-card .workflow,
    .step-card .step-meta {
      color: var(--_muted);
      font-size: 0.8rem;
    }
    h3 {
      font-size: 1rem;
      margin: 0 0 0.5rem;
    }
    [part='actions'] {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem;
      margin-top: 0.75rem;
    }
    [part='error'] .code {
      font-family: ui-monospace, monospace;
    }
    .media-grid {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(min(100%, 14rem), 1fr));
      gap: var(--_gap);
    }
    figure {
      margin: 0;
      min-width: 0;
      display: grid;
      gap: 0.35rem;
    }
    figure img {
      width: auto;
      min-width: 4rem;
      max-width: 100%;
      image-rendering: auto;
    }
    figure video {
      width: 100%;
    }
    figure img,
    figure video {
      max-height: 60vh;
      object-fit: contain;
      border-radius: calc(var(--_radius) * 0.75);
      background: var(--_surface);
      border: 1px solid var(--_border);
    }
    figure.audio {
      grid-column: 1 / -1;
      max-width: 48rem;
    }
    figcaption {
      font-size: 0.8rem;
      color: var(--_muted);
    }
    dl {
      display: grid;
      grid-template-columns: max-content minmax(0, 1fr);
      gap: 0.2rem 0.75rem;
      margin: 0;
      font-size: 0.9rem;
    }
    dt {
      color: var(--_muted);
    }
    dd {
      margin: 0;
      min-width: 0;
    }
    ol {
      margin: 0;
      padding-left: 1.25rem;
      display: grid;
      gap: 0.3rem;
      font-size: 0.9rem;
    }
    .event-details {
      color: var(--_muted);
      font-size: 0.8rem;
    }
      [part='stale-badge'] {
      display: inline-block;
      font-size: 0.75rem;
      font-weight: 600;
      padding: 0.05rem 0.45rem;
      border-radius: 999px;
      border: 1px solid currentColor;
      color: var(--media-lab-stale-color, var(--_warning));
    }
    [part='stale-reason'] {
      font-size: 0.85rem;
    }
  `,
];
