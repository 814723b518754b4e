import { css } from 'lit';
import { themeStyles } from './theme.styles.js';

export const galleryStyles = [
  themeStyles,
  css`
    :host {
      display: block;
      min-width: 0;
    }
    [part='stale-badge'] {
      position: absolute;
      inset-block-start: 0.35rem;
      inset-inline-end: 0.35rem;
      font-size: 0.7rem;
      font-weight: 600;
      padding: 0.05rem 0.4rem;
      border-radius: 999px;
      border: 1px solid currentColor;
      color: var(--media-lab-stale-color, var(--_warning));
      background: var(--_bg, Canvas);
    }
    [part='toolbar'] {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem;
      align-items: center;
      margin-bottom: 0.5rem;
    }
    [part='status'] {
      color: var(--_muted);
      font-size: 0.85rem;
      margin-inline-start: auto;
    }
    [part='viewport'] {
      position: relative;
      height: var(--media-lab-gallery-height, min(70vh, 40rem));
      overflow-y: auto;
      overflow-x: hidden;
      overscroll-behavior: contain;
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      padding: 0;
      contain: strict;
    }
    [part='grid'] {
      position: relative;
      margin: 0;
      padding: 0;
      list-style: none;
    }
    [part='cell'] {
      position: absolute;
      top: 0;
      left: 0;
      contain: strict;
    }
    [part~='item'] {
      width: 100%;
      height: 100%;
      padding: 0;
      border-radius: calc(var(--_radius) * 0.75);
      overflow: hidden;
      position: relative;
      display: grid;
      place-items: center;
      background: var(--media-lab-gallery-item-bg, var(--_surface));
    }
    [part~='item'][aria-pressed='true'] {
      border-color: var(--_accent);
      box-shadow: 0 0 0 2px var(--_accent);
    }
    [part='thumbnail'] {
      width: 100%;
      height: 100%;
      object-fit: cover;
      display: block;
    }
    [part='icon'] {
      font-size: 2rem;
      color: var(--_muted);
    }
    [part='caption'] {
      position: absolute;
      left: 0;
      right: 0;
      bottom: 0;
      padding: 0.15rem 0.35rem;
      font-size: 0.7rem;
      text-align: left;
      color: #fff;
      background: linear-gradient(transparent, rgb(0 0 0 / 0.65));
      white-space: nowrap;
      overflow: hidden;
      text-overflow: ellipsis;
    }
    [part~='thumbnail-audio'] {
      object-fit: contain;
      padding: 0.5rem 0.25rem 1.4rem;
      box-sizing: border-box;
    }
    [part='badge'] {
      position: absolute;
      top: 0.3rem;
      right: 0.3rem;
      font-size: 0.75rem;
      line-height: 1;
      padding: 0.2rem 0.35rem;
      border-radius: 999px;
      color: #fff;
      background: rgb(0 0 0 / 0.6);
    }
    [part='filters'] {
      display: flex;
      flex-wrap: wrap;
      gap: 0.4rem;
    }
    [part='filter'] select {
      font: inherit;
      font-size: 0.85rem;
    }
    /* The lightbox: over the page, in view wherever the gallery was scrolled to. */
    .backdrop {
      position: fixed;
      inset: 0;
      z-index: 1000;
      display: grid;
      place-items: center;
      padding: 1rem;
      background: rgb(0 0 0 / 0.6);
    }
    [part='lightbox'] {
      width: min(60rem, 100%);
      max-height: calc(100vh - 2rem);
      overflow: auto;
      overscroll-behavior: contain;
      background: var(--_bg);
      color: var(--_fg);
      border-radius: var(--_radius);
      box-shadow: 0 1rem 3rem rgb(0 0 0 / 0.4);
      padding: 0.75rem;
      display: grid;
      gap: 0.5rem;
      min-width: 0;
    }
    [part='lightbox']:focus-visible {
      outline: none;
      box-shadow: var(--_focus), 0 1rem 3rem rgb(0 0 0 / 0.4);
    }
    .lightbox-bar {
      display: flex;
      gap: 0.4rem;
      align-items: center;
    }
    .lightbox-bar .position {
      color: var(--_muted);
      font-size: 0.85rem;
      margin-inline-end: auto;
    }
    [part='detail'] {
      display: grid;
      gap: 0.5rem;
      min-width: 0;
      overflow-wrap: anywhere;
    }
    [part='detail'] .preview {
      display: grid;
      place-items: center;
      min-width: 0;
    }
    [part='detail'] img,
    [part='detail'] video {
      max-width: 100%;
      max-height: 60vh;
      border-radius: calc(var(--_radius) * 0.75);
    }
    [part='detail'] video {
      width: min(100%, 40rem);
      background: #000;
    }
    .audio-preview {
      display: grid;
      gap: 0.5rem;
      width: 100%;
    }
    dl {
      display: grid;
      grid-template-columns: max-content minmax(0, 1fr);
      gap: 0.15rem 0.75rem;
      margin: 0;
      font-size: 0.85rem;
    }
    dt {
      color: var(--_muted);
    }
    dd {
      margin: 0;
    }
    ol {
      margin: 0;
      padding-left: 1.2rem;
    }
  `,
];
