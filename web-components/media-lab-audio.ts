// <media-lab-audio src="..." label="Voice take 2">: an audio player with a waveform. Click or drag
// on the waveform to seek; focus it and use the arrow keys (5 s, Shift for 30 s), Home and End;
// Space or the play button toggles playback.
//
// Attributes: src, label, api, token (the bytes for the waveform come through the API client)
// Events: media-lab-audio-play { src }, media-lab-audio-pause { src, currentTime }
// Parts: player, play, waveform, time, message, audio
// CSS properties: --media-lab-audio-wave, --media-lab-audio-played, --media-lab-audio-bg,
//   --media-lab-audio-height
import { html, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { LabElement } from './lab-element.js';
import { emit } from './events.js';
import { formatClock } from './format.js';
import { computePeaks, decodeAudio, drawWaveform } from './waveform.js';
import { audioStyles } from './media-lab-audio.styles.js';

type WaveState = 'loading' | 'ready' | 'unavailable';

@customElement('media-lab-audio')
export class MediaLabAudio extends LabElement {
  static override styles = audioStyles;

  @property() src = '';
  @property() label = 'Audio';

  @state() private playing = false;
  @state() private currentTime = 0;
  @state() private duration = 0;
  @state() private waveState: WaveState = 'loading';

  @query('audio') private audio!: HTMLAudioElement;
  @query('canvas') private canvas!: HTMLCanvasElement;
  @query('.swatch-wave') private waveSwatch!: HTMLElement;
  @query('.swatch-played') private playedSwatch!: HTMLElement;

  private peaks: Float32Array | null = null;
  private resizeObserver: ResizeObserver | null = null;
  private seekingPointer: number | null = null;
  private loadToken = 0;

  override connectedCallback(): void {
    super.connectedCallback();
    this.resizeObserver = new ResizeObserver(() => this.paint());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver?.disconnect();
    this.audio?.pause();
  }

  protected override firstUpdated(): void {
    const box = this.renderRoot.querySelector<HTMLElement>('[part="waveform"]');
    if (box) this.resizeObserver?.observe(box);
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('src')) void this.loadWaveform();
    this.paint();
  }

  private async loadWaveform(): Promise<void> {
    const token = ++this.loadToken;
    this.peaks = null;
    this.waveState = 'loading';
    if (!this.src) return;
    try {
      const buffer = await decodeAudio(await this.client.fetchBytes(this.src));
      if (token !== this.loadToken) return;
      this.peaks = computePeaks(buffer, 1024);
      if (!this.duration) this.duration = buffer.duration;
      this.waveState = 'ready';
    } catch {
      // Playback may still work (the browser streams formats Web Audio cannot decode in one go).
      if (token === this.loadToken) this.waveState = 'unavailable';
    }
  }

  private paint(): void {
    const canvas = this.canvas;
    if (!canvas) return;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const progress = this.duration ? this.currentTime / this.duration : 0;
    drawWaveform(canvas, this.peaks, progress, { wave: getComputedStyle(this.waveSwatch).color, played: getComputedStyle(this.playedSwatch).color }, 3 * ratio);
  }

  /** Starts or pauses playback. */
  async toggle(): Promise<void> {
    if (this.audio.paused) {
      try {
        await this.audio.play();
      } catch {
        // Autoplay rules or a missing device: the button state follows the real element events.
      }
    } else this.audio.pause();
  }

  private seekTo(seconds: number): void {
    const end = this.duration || this.audio.duration || 0;
    const target = Math.max(0, Math.min(end, seconds));
    this.audio.currentTime = target;
    this.currentTime = target;
  }

  private seekFromPointer(event: PointerEvent): void {
    const rect = (event.currentTarget as HTMLElement).getBoundingClientRect();
    const fraction = rect.width ? (event.clientX - rect.left) / rect.width : 0;
    this.seekTo(fraction * (this.duration || this.audio.duration || 0));
  }

  private onWavePointerDown(event: PointerEvent): void {
    this.seekingPointer = event.pointerId;
    (event.currentTarget as HTMLElement).setPointerCapture?.(event.pointerId);
    this.seekFromPointer(event);
  }

  private onWavePointerMove(event: PointerEvent): void {
    if (this.seekingPointer === event.pointerId) this.seekFromPointer(event);
  }

  private onWavePointerUp(event: PointerEvent): void {
    if (this.seekingPointer === event.pointerId) this.seekingPointer = null;
  }

  private onWaveKey(event: KeyboardEvent): void {
    const big = event.shiftKey ? 30 : 5;
    const moves: Record<string, () => void> = {
      ArrowLeft: () => this.seekTo(this.currentTime - big),
      ArrowDown: () => this.seekTo(this.currentTime - big),
      ArrowRight: () => this.seekTo(this.currentTime + big),
      ArrowUp: () => this.seekTo(this.currentTime + big),
      Home: () => this.seekTo(0),
      End: () => this.seekTo(this.duration),
      ' ': () => void this.toggle(),
      Enter: () => void this.toggle(),
    };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    move();
  }

  private onPlay(): void {
    this.playing = true;
    emit(this, 'media-lab-audio-play', { src: this.src });
  }

  private onPause(): void {
    this.playing = false;
    emit(this, 'media-lab-audio-pause', { src: this.src, currentTime: this.audio.currentTime });
  }

  override render() {
    const total = this.duration || 0;
    return html`<div part="player" data-state=${this.waveState} data-playing=${this.playing ? 'true' : 'false'}>
      <button part="play" data-action=${this.playing ? 'pause' : 'play'} aria-label=${`${this.playing ? 'Pause' : 'Play'} ${this.label}`} @click=${() => void this.toggle()}>
        ${this.playing ? '❚❚' : '▶'}
      </button>
      <div
        part="waveform"
        role="slider"
        tabindex="0"
        aria-label=${`Seek in ${this.label}`}
        aria-valuemin="0"
        aria-valuemax=${Math.round(total)}
        aria-valuenow=${Math.round(this.currentTime)}
        aria-valuetext=${`${formatClock(this.currentTime)} of ${formatClock(total)}`}
        @pointerdown=${this.onWavePointerDown}
        @pointermove=${this.onWavePointerMove}
        @pointerup=${this.onWavePointerUp}
        @pointercancel=${this.onWavePointerUp}
        @keydown=${this.onWaveKey}
      >
        <canvas aria-hidden="true"></canvas>
        <span class="swatch-wave"></span><span class="swatch-played"></span>
      </div>
      <span part="time" data-role="time">${formatClock(this.currentTime)} / ${formatClock(total)}</span>
      ${this.waveState === 'unavailable' ? html`<p part="message">Waveform unavailable for this file; playback still works.</p>` : null}
      <audio
        part="audio"
        preload="metadata"
        src=${this.src}
        @play=${this.onPlay}
        @pause=${this.onPause}
        @ended=${this.onPause}
        @timeupdate=${() => (this.currentTime = this.audio.currentTime)}
        @loadedmetadata=${() => (this.duration = Number.isFinite(this.audio.duration) ? this.audio.duration : this.duration)}
      ></audio>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'media-lab-audio': MediaLabAudio;
  }
}
