import { css } from 'lit';
import { themeStyles } from './theme.styles.js';

export const promptArtifactsStyles = [
  themeStyles,
  css`
    :host {
      display: block;
      min-width: 0;
    }
    [part='header'] {
      display: flex;
      flex-wrap: wrap;
      gap: 0.4rem 0.6rem;
      align-items: center;
    }
    [part='badge'] {
      font-size: 0.8rem;
      font-weight: 600;
      padding: 0.1rem 0.5rem;
      border-radius: 999px;
      background: var(--media-lab-prompt-badge-bg, color-mix(in srgb, var(--_accent) 14%, transparent));
      color: var(--media-lab-prompt-badge-fg, var(--_accent));
      white-space: nowrap;
    }
    [part='status'] {
      font-size: 0.8rem;
      color: var(--_muted);
    }
    [part='status'][data-status='error'] {
      color: var(--_danger);
    }
    [part='status'][data-status='ready'] {
      color: var(--_success);
    }
    [part='refresh'] {
      min-height: 0;
      padding: 0.15rem 0.55rem;
      font-size: 0.8rem;
    }
    [part='items'] {
      list-style: none;
      margin: 0.5rem 0 0;
      padding: 0;
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem;
    }
    [part='items'] li {
      min-width: 0;
      max-width: 100%;
    }
    [part='items'] li.audio {
      flex: 1 1 16rem;
    }
    [part='thumbnail'] {
      display: block;
      width: var(--media-lab-prompt-thumb-size, 96px);
      height: var(--media-lab-prompt-thumb-size, 96px);
      object-fit: cover;
      border-radius: calc(var(--_radius) * 0.75);
      border: 1px solid var(--_border);
      background: var(--_surface);
    }
    [part='paused'] {
      color: var(--_muted);
      font-size: 0.85rem;
      margin: 0.35rem 0 0;
      overflow-wrap: anywhere;
    }
    [part='error'] {
      color: var(--_danger);
      font-size: 0.85rem;
      margin: 0.35rem 0 0;
      overflow-wrap: anywhere;
    }
    [part='empty'] {
      color: var(--_muted);
      font-size: 0.85rem;
      margin: 0.35rem 0 0;
    }
  `,
];
