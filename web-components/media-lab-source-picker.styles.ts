import { css } from 'lit';
import { themeStyles } from './theme.styles.js';

export const sourcePickerStyles = [
  themeStyles,
  css`
    :host {
      display: block;
      min-width: 0;
    }
    [part='sources'] {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem;
    }
    [part='panel'] {
      margin-top: 0.5rem;
      padding: 0.75rem;
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      display: grid;
      gap: 0.5rem;
      min-width: 0;
    }
    [part='items'] {
      list-style: none;
      margin: 0;
      padding: 0;
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(min(100%, 10rem), 1fr));
      gap: 0.35rem;
    }
    [part='items'] button {
      width: 100%;
      text-align: start;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    [part='paging'] {
      display: flex;
      gap: 0.5rem;
      align-items: center;
      flex-wrap: wrap;
    }
    [part='status'] {
      margin: 0;
      font-size: 0.85rem;
      color: var(--_muted);
    }
  `,
];
