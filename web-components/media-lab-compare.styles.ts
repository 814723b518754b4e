import { css } from 'lit';
import { themeStyles } from './theme.styles.js';

export const compareStyles = [
  themeStyles,
  css`
    :host {
      display: block;
      --_divider: var(--media-lab-compare-divider-color, #ffffff);
      --_handle: var(--media-lab-compare-handle-size, 2.25rem);
    }
    [part='frame'] {
      position: relative;
      overflow: hidden;
      border-radius: var(--_radius);
      border: 1px solid var(--_border);
      background: var(--media-lab-compare-bg, repeating-conic-gradient(#8882 0 25%, transparent 0 50%) 0 0 / 16px 16px);
      /* Vertical swipes still scroll the page; horizontal ones move the divider. */
      touch-action: pan-y;
      user-select: none;
      -webkit-user-select: none;
      cursor: ew-resize;
      max-width: 100%;
    }
    img {
      display: block;
      width: 100%;
      max-height: var(--media-lab-compare-max-height, 70vh);
      object-fit: contain;
      pointer-events: none;
      -webkit-user-drag: none;
    }
    img[part='after'] {
      min-height: 4rem;
    }
    .before-layer {
      position: absolute;
      inset: 0;
      z-index: 1;
    }
    .before-layer img {
      height: 100%;
      max-height: none;
    }
    [part='divider'] {
      position: absolute;
      top: 0;
      bottom: 0;
      z-index: 2;
      width: 2px;
      margin-left: -1px;
      background: var(--_divider);
      box-shadow: 0 0 0 1px rgb(0 0 0 / 0.35);
    }
    [part='handle'] {
      position: absolute;
      top: 50%;
      left: 50%;
      width: var(--_handle);
      height: var(--_handle);
      transform: translate(-50%, -50%);
      border-radius: 50%;
      background: var(--media-lab-compare-handle-bg, rgb(0 0 0 / 0.55));
      border: 2px solid var(--_divider);
      color: var(--_divider);
      display: grid;
      place-items: center;
      font-size: 0.9rem;
      cursor: ew-resize;
    }
    [part~='label'] {
      position: absolute;
      z-index: 3;
      top: 0.5rem;
      padding: 0.1rem 0.45rem;
      border-radius: 4px;
      font-size: 0.75rem;
      background: rgb(0 0 0 / 0.6);
      color: #fff;
      pointer-events: none;
    }
    [part~='label-before'] {
      left: 0.5rem;
    }
    [part~='label-after'] {
      right: 0.5rem;
    }
  `,
];
