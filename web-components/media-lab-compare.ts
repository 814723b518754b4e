// <media-lab-compare before="a.png" after="b.png">: a before/after slider. Drag with a mouse or a
// finger anywhere on the image, or focus the handle and use the arrow keys (Shift for steps of
// 10), Page Up/Down, Home and End. Left of the divider shows "before", right of it "after".
//
// Attributes: before, after (image URLs; properties beforeSrc, afterSrc), position (0..100, default 50), before-label, after-label
// Events: media-lab-compare-change { position }
// Parts: frame, before, after, divider, handle, label, label-before, label-after
// CSS properties: --media-lab-compare-divider-color, --media-lab-compare-handle-size,
//   --media-lab-compare-handle-bg, --media-lab-compare-max-height, --media-lab-compare-bg
import { LitElement, html } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { emit } from './events.js';
import { compareStyles } from './media-lab-compare.styles.js';

const KEY_STEPS: Record<string, (position: number, big: boolean) => number> = {
  ArrowLeft: (p, big) => p - (big ? 10 : 1),
  ArrowDown: (p, big) => p - (big ? 10 : 1),
  ArrowRight: (p, big) => p + (big ? 10 : 1),
  ArrowUp: (p, big) => p + (big ? 10 : 1),
  PageDown: (p) => p - 10,
  PageUp: (p) => p + 10,
  Home: () => 0,
  End: () => 100,
};

@customElement('media-lab-compare')
export class MediaLabCompare extends LitElement {
  static override styles = compareStyles;

  @property({ attribute: 'before' }) beforeSrc = '';
  @property({ attribute: 'after' }) afterSrc = '';
  @property({ type: Number, reflect: true }) position = 50;
  @property({ attribute: 'before-label' }) beforeLabel = 'Before';
  @property({ attribute: 'after-label' }) afterLabel = 'After';

  @query('[part="frame"]') private frame!: HTMLElement;
  private dragging: number | null = null;

  private setPosition(value: number): void {
    const next = Math.round(Math.max(0, Math.min(100, value)) * 10) / 10;
    if (next === this.position) return;
    this.position = next;
    emit(this, 'media-lab-compare-change', { position: next });
  }

  private positionFromClientX(clientX: number): number {
    const rect = this.frame.getBoundingClientRect();
    return rect.width ? ((clientX - rect.left) / rect.width) * 100 : this.position;
  }

  private onPointerDown(event: PointerEvent): void {
    if (event.button !== 0 && event.pointerType === 'mouse') return;
    this.dragging = event.pointerId;
    this.frame.setPointerCapture?.(event.pointerId);
    this.setPosition(this.positionFromClientX(event.clientX));
    // Keyboard users and screen readers follow the handle after a drag too.
    this.renderRoot.querySelector<HTMLElement>('[part="handle"]')?.focus({ preventScroll: true });
    event.preventDefault();
  }

  private onPointerMove(event: PointerEvent): void {
    if (this.dragging !== event.pointerId) return;
    this.setPosition(this.positionFromClientX(event.clientX));
  }

  private onPointerUp(event: PointerEvent): void {
    if (this.dragging !== event.pointerId) return;
    this.dragging = null;
    this.frame.releasePointerCapture?.(event.pointerId);
  }

  private onKeyDown(event: KeyboardEvent): void {
    const step = KEY_STEPS[event.key];
    if (!step) return;
    event.preventDefault();
    this.setPosition(step(this.position, event.shiftKey));
  }

  override render() {
    const clip = `inset(0 ${100 - this.position}% 0 0)`;
    return html`<div
      part="frame"
      @pointerdown=${this.onPointerDown}
      @pointermove=${this.onPointerMove}
      @pointerup=${this.onPointerUp}
      @pointercancel=${this.onPointerUp}
    >
      <img part="after" src=${this.afterSrc} alt=${this.afterLabel} draggable="false" />
      <div class="before-layer" style="clip-path:${clip}">
        <img part="before" src=${this.beforeSrc} alt=${this.beforeLabel} draggable="false" />
      </div>
      <span part="label label-before">${this.beforeLabel}</span>
      <span part="label label-after">${this.afterLabel}</span>
      <div part="divider" style="left:${this.position}%">
        <div
          part="handle"
          role="slider"
          tabindex="0"
          aria-label="${this.beforeLabel} / ${this.afterLabel} divider"
          aria-orientation="horizontal"
          aria-valuemin="0"
          aria-valuemax="100"
          aria-valuenow=${this.position}
          aria-valuetext="${Math.round(this.position)}% ${this.beforeLabel.toLowerCase()}"
          @keydown=${this.onKeyDown}
        >
          ⇔
        </div>
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'media-lab-compare': MediaLabCompare;
  }
}
