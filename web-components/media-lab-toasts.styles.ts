import { css } from 'lit';
import { themeStyles } from './theme.styles.js';

export const toastsStyles = [
  themeStyles,
  css`
    :host {
      position: fixed;
      z-index: var(--media-lab-toast-z, 1000);
      inset-block-end: 1rem;
      inset-inline-end: 1rem;
      inset-inline-start: auto;
      max-width: min(24rem, calc(100vw - 2rem));
      pointer-events: none;
    }
    .stack {
      display: flex;
      flex-direction: column;
      gap: 0.5rem;
    }
    [part~='toast'] {
      pointer-events: auto;
      display: flex;
      gap: 0.75rem;
      align-items: start;
      padding: 0.6rem 0.8rem;
      border-radius: var(--_radius);
      background: var(--media-lab-toast-bg, var(--_bg));
      border: 1px solid var(--_border);
      border-left: 4px solid var(--_info);
      box-shadow: 0 4px 16px rgb(0 0 0 / 0.18);
      overflow-wrap: anywhere;
    }
    [part~='toast'][data-variant='success'] {
      border-left-color: var(--_success);
    }
    [part~='toast'][data-variant='error'] {
      border-left-color: var(--_danger);
    }
    [part~='message'] {
      flex: 1;
      min-width: 0;
    }
    button {
      min-height: 0;
      padding: 0 0.4rem;
      border: none;
      background: none;
    }
  `,
];
