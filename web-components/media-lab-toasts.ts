// <media-lab-toasts>: short notices ("Job queued") in a polite live region.
// Elements send `media-lab-toast` events; <media-lab-app> forwards those from its children, and
// with the `global` attribute this element also shows those that reach `window`.
//
// Attributes: global (boolean), duration (ms, default 5000)
// Methods: show(message, variant = 'info')
// Parts: toast (plus toast-info | toast-success | toast-error), message, close
// CSS properties: --media-lab-toast-bg, --media-lab-toast-z
import { LitElement, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { ToastVariant } from './events.js';
import { toastsStyles } from './media-lab-toasts.styles.js';

interface Toast {
  id: number;
  message: string;
  variant: ToastVariant;
}

let nextToastId = 1;

@customElement('media-lab-toasts')
export class MediaLabToasts extends LitElement {
  static override styles = toastsStyles;

  @property({ type: Boolean }) global = false;
  @property({ type: Number }) duration = 5000;
  @state() private toasts: Toast[] = [];

  private readonly onWindowToast = (event: Event) => {
    const { message, variant } = (event as CustomEvent<{ message: string; variant: ToastVariant }>).detail;
    this.show(message, variant);
  };

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.global) window.addEventListener('media-lab-toast', this.onWindowToast);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('media-lab-toast', this.onWindowToast);
  }

  show(message: string, variant: ToastVariant = 'info'): void {
    const toast = { id: nextToastId++, message, variant };
    this.toasts = [...this.toasts.slice(-4), toast];
    // Errors stay twice as long: people need time to read what to do.
    setTimeout(() => this.dismiss(toast.id), variant === 'error' ? this.duration * 2 : this.duration);
  }

  private dismiss(id: number): void {
    this.toasts = this.toasts.filter((t) => t.id !== id);
  }

  override render() {
    return html`<div role="status" aria-live="polite" class="stack">
      ${repeat(
        this.toasts,
        (t) => t.id,
        (t) => html`<div part="toast toast-${t.variant}" data-variant=${t.variant} data-role="toast">
          <span part="message">${t.message}</span>
          <button part="close" aria-label="Dismiss" @click=${() => this.dismiss(t.id)}>×</button>
        </div>`,
      )}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'media-lab-toasts': MediaLabToasts;
  }
}
