import { css } from 'lit';
import { themeStyles } from './theme.styles.js';

export const workbenchStyles = [
  themeStyles,
  css`
    :host {
      display: block;
      min-width: 0;
    }
    [part~='toolbar'],
    [part~='actions'],
    .row {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem;
      align-items: center;
      margin-block: 0.5rem;
    }
    [part~='card'] {
      box-sizing: border-box;
      display: flex;
      flex-direction: column;
      gap: 0.25rem;
      padding: 0.5rem;
      border: 2px solid var(--_border);
      border-radius: var(--_radius);
      background: var(--_surface);
      overflow: hidden;
      font-size: 0.85rem;
    }
    [part~='card'][data-freshness='fresh'] {
      border-color: var(--_success);
    }
    [part~='card'][data-freshness='stale'] {
      border-color: var(--_warning);
      border-style: dashed;
    }
    [part~='card'] header {
      display: flex;
      gap: 0.4rem;
      align-items: center;
      justify-content: space-between;
    }
    [part~='card'] h3 {
      margin: 0;
      font-size: 0.95rem;
    }
    .freshness {
      font-size: 0.75rem;
      padding: 0 0.4rem;
      border-radius: 999px;
      border: 1px solid currentColor;
    }
    .freshness[data-freshness='fresh'] {
      color: var(--_success);
    }
    .freshness[data-freshness='stale'] {
      color: var(--_warning);
    }
    .freshness[data-freshness='missing'] {
      color: var(--_muted);
    }
    .preview {
      flex: 1;
      min-height: 0;
      display: flex;
      align-items: center;
      justify-content: center;
    }
    .preview img,
    .preview video {
      max-width: 100%;
      max-height: 90px;
      object-fit: contain;
    }
    .preview audio {
      width: 100%;
    }
    progress {
      width: 100%;
    }
    .muted {
      color: var(--_muted);
    }
    [part~='card'] .buttons {
      display: flex;
      flex-wrap: wrap;
      gap: 0.25rem;
    }
    button {
      font: inherit;
      padding: 0.2rem 0.5rem;
      border-radius: var(--_radius);
      border: 1px solid var(--_border);
      background: var(--_bg, transparent);
      color: inherit;
      cursor: pointer;
    }
    button.primary {
      background: var(--_accent);
      color: var(--_accent-fg);
      border-color: var(--_accent);
    }
    button:disabled {
      opacity: 0.5;
      cursor: default;
    }
    [part~='steps'] fieldset {
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      margin-block: 0.5rem;
    }
    [part~='steps'] .fields {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr));
      gap: 0.5rem;
    }
    label {
      display: flex;
      flex-direction: column;
      gap: 0.15rem;
      font-size: 0.85rem;
    }
    label.inline {
      flex-direction: row;
      align-items: center;
    }
    .field-error,
    [role='alert'] {
      color: var(--_danger);
    }
    [part~='history'] table {
      border-collapse: collapse;
      width: 100%;
      font-size: 0.85rem;
    }
    [part~='history'] td,
    [part~='history'] th {
      border-bottom: 1px solid var(--_border);
      padding: 0.25rem;
      text-align: left;
    }
    tr[data-selected='true'] {
      font-weight: 600;
    }
    code {
      font-size: 0.8rem;
    }
  `,
];
