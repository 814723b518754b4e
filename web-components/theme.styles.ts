// Design tokens every element shares. Hosts theme Media Lab by setting the public
// `--media-lab-*` custom properties (on :root or on an element); `theme="dark|light"` forces a
// scheme, otherwise the page's color-scheme decides.
import { css } from 'lit';

export const themeStyles = css`
  :host {
    color-scheme: light dark;
    --_fg: var(--media-lab-fg, light-dark(#1d1d22, #e9e9ef));
    --_muted: var(--media-lab-muted, light-dark(#5d5d6b, #a4a4b3));
    --_bg: var(--media-lab-bg, light-dark(#ffffff, #17171c));
    --_surface: var(--media-lab-surface, light-dark(#f4f4f7, #222229));
    --_border: var(--media-lab-border, light-dark(#d4d4dc, #3a3a45));
    --_accent: var(--media-lab-accent, light-dark(#4f46e5, #8b85ff));
    --_accent-fg: var(--media-lab-accent-fg, light-dark(#ffffff, #111118));
    --_danger: var(--media-lab-danger, light-dark(#b42318, #ff8a80));
    --_success: var(--media-lab-success, light-dark(#137333, #7ee2a0));
    --_warning: var(--media-lab-warning, light-dark(#a15c00, #ffcf70));
    --_info: var(--media-lab-info, light-dark(#1c5fb8, #8ab8ff));
    --_radius: var(--media-lab-radius, 8px);
    --_gap: var(--media-lab-gap, 0.75rem);
    --_font: var(--media-lab-font, system-ui, sans-serif);
    --_focus: var(--media-lab-focus-ring, 0 0 0 3px color-mix(in srgb, var(--_accent) 45%, transparent));
    font-family: var(--_font);
    color: var(--_fg);
    box-sizing: border-box;
    min-width: 0;
    max-width: 100%;
  }
  :host([theme='dark']) {
    color-scheme: dark;
  }
  :host([theme='light']) {
    color-scheme: light;
  }
  :host([hidden]) {
    display: none !important;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  :focus-visible {
    outline: none;
    box-shadow: var(--_focus);
  }
  button {
    font: inherit;
    cursor: pointer;
    border-radius: var(--_radius);
    border: 1px solid var(--_border);
    background: var(--_surface);
    color: var(--_fg);
    padding: 0.4rem 0.8rem;
    min-height: 2.25rem;
  }
  button.primary {
    background: var(--_accent);
    border-color: var(--_accent);
    color: var(--_accent-fg);
  }
  button.danger {
    color: var(--_danger);
    border-color: color-mix(in srgb, var(--_danger) 50%, var(--_border));
  }
  button:disabled {
    opacity: 0.55;
    cursor: not-allowed;
  }
  input,
  select,
  textarea {
    font: inherit;
    color: var(--_fg);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) * 0.75);
    padding: 0.4rem 0.5rem;
    max-width: 100%;
    min-width: 0;
  }
  a {
    color: var(--_accent);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
  .notice {
    border: 1px solid var(--_border);
    border-left: 4px solid var(--_warning);
    background: var(--_surface);
    border-radius: var(--_radius);
    padding: 0.75rem 1rem;
  }
  .notice.error {
    border-left-color: var(--_danger);
  }
  .notice h2,
  .notice h3 {
    margin: 0 0 0.25rem;
    font-size: 1.05rem;
  }
  .notice p {
    margin: 0.25rem 0 0;
  }
`;
