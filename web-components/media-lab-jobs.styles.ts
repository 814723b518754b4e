import { css } from 'lit';
import { themeStyles } from './theme.styles.js';

export const jobsStyles = [
  themeStyles,
  css`
    :host {
      display: block;
      min-width: 0;
    }
    [part='filters'] {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem 0.75rem;
      align-items: end;
      margin-bottom: 0.75rem;
    }
    [part='alerts'] {
      margin-bottom: 0.75rem;
    }
    [part='alerts'] p {
      margin: 0.15rem 0;
    }
    [part='filters'] label {
      display: grid;
      gap: 0.2rem;
      font-size: 0.85rem;
      color: var(--_muted);
    }
    [part='connection'] {
      margin-inline-start: auto;
      font-size: 0.8rem;
      color: var(--_muted);
      display: inline-flex;
      align-items: center;
      gap: 0.35rem;
    }
    [part='connection']::before {
      content: '';
      width: 0.55rem;
      height: 0.55rem;
      border-radius: 50%;
      background: var(--_warning);
    }
    [part='connection'][data-state='open']::before {
      background: var(--_success);
    }
    [part='list'] {
      list-style: none;
      margin: 0;
      padding: 0;
      display: grid;
      gap: 0.5rem;
    }
    [part~='job'] {
      display: grid;
      grid-template-columns: minmax(0, 1fr) auto;
      gap: 0.35rem 0.75rem;
      align-items: center;
      padding: 0.6rem 0.75rem;
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      background: var(--media-lab-job-bg, var(--_bg));
      min-width: 0;
    }
    .title {
      display: flex;
      flex-wrap: wrap;
      gap: 0.25rem 0.6rem;
      align-items: baseline;
      min-width: 0;
    }
    .title strong {
      text-transform: capitalize;
    }
    .meta {
      font-size: 0.8rem;
      color: var(--_muted);
      overflow-wrap: anywhere;
    }
    .row-progress,
    .row-error {
      grid-column: 1 / -1;
      min-width: 0;
    }
    .row-error {
      color: var(--_danger);
      font-size: 0.85rem;
      margin: 0;
      overflow-wrap: anywhere;
    }
    [part='actions'] {
      grid-column: 1 / -1;
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem;
    }
    [part='more'] {
      margin-top: 0.75rem;
    }
    .empty {
      color: var(--_muted);
    }
  `,
];
