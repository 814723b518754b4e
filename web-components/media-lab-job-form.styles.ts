import { css } from 'lit';
import { themeStyles } from './theme.styles.js';

export const jobFormStyles = [
  themeStyles,
  css`
    :host {
      display: block;
      min-width: 0;
    }
    form {
      display: grid;
      gap: var(--_gap);
      min-width: 0;
    }
    [part='description'] {
      margin: 0;
      color: var(--_muted);
    }
    .fields {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(min(100%, 15rem), 1fr));
      gap: var(--_gap);
      min-width: 0;
    }
    [part~='field'] {
      display: grid;
      gap: 0.25rem;
      align-content: start;
      min-width: 0;
    }
    [part~='field-wide'] {
      grid-column: 1 / -1;
    }
    [part~='field'] label,
    .label {
      font-weight: 600;
      font-size: 0.9rem;
    }
    .required {
      color: var(--_danger);
    }
    [part='help'] {
      font-size: 0.8rem;
      color: var(--_muted);
      margin: 0;
    }
    [part='field-error'] {
      font-size: 0.85rem;
      color: var(--_danger);
      margin: 0;
    }
    [aria-invalid='true'] {
      border-color: var(--_danger);
    }
    .picked {
      list-style: none;
      margin: 0;
      padding: 0;
      font-size: 0.85rem;
    }
    .picked li {
      display: flex;
      gap: 0.5rem;
      align-items: center;
      flex-wrap: wrap;
    }
    .checkbox {
      display: flex;
      gap: 0.5rem;
      align-items: center;
    }
    textarea {
      min-height: 5rem;
      resize: vertical;
      width: 100%;
    }
    input:not([type='checkbox']),
    select {
      width: 100%;
    }
    input[type='file'] {
      padding: 0.3rem;
    }
    [part='actions'] {
      display: flex;
      flex-wrap: wrap;
      gap: 0.75rem;
      align-items: center;
    }
    [part='form-error'] {
      margin: 0;
    }
  `,
];
