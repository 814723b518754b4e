import { css } from 'lit';
import { themeStyles } from './theme.styles.js';

export const audioStyles = [
  themeStyles,
  css`
    :host {
      display: block;
      min-width: 0;
    }
    [part='player'] {
      display: grid;
      grid-template-columns: auto minmax(0, 1fr) auto;
      gap: 0.5rem;
      align-items: center;
      padding: 0.4rem 0.5rem;
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      background: var(--media-lab-audio-bg, var(--_surface));
    }
    [part='play'] {
      width: 2.5rem;
      height: 2.5rem;
      padding: 0;
      border-radius: 50%;
      background: var(--_accent);
      border-color: var(--_accent);
      color: var(--_accent-fg);
      font-size: 1rem;
    }
    [part='waveform'] {
      position: relative;
      height: var(--media-lab-audio-height, 3.5rem);
      min-width: 0;
      cursor: pointer;
      border-radius: 4px;
    }
    canvas {
      display: block;
      width: 100%;
      height: 100%;
    }
    [part='time'] {
      font-variant-numeric: tabular-nums;
      font-size: 0.8rem;
      color: var(--_muted);
      white-space: nowrap;
    }
    .swatch-wave {
      color: var(--media-lab-audio-wave, color-mix(in srgb, var(--_muted) 55%, transparent));
    }
    .swatch-played {
      color: var(--media-lab-audio-played, var(--_accent));
    }
    .swatch-wave,
    .swatch-played {
      position: absolute;
      width: 0;
      height: 0;
      overflow: hidden;
    }
    [part='message'] {
      grid-column: 1 / -1;
      font-size: 0.8rem;
      color: var(--_muted);
      margin: 0;
    }
  `,
];
