// The values that flow between the fake's nodes. Images are float RGB in 0..1 (like ComfyUI's
// IMAGE tensors, batch first); audio is float PCM per channel.

export interface ImageFrame {
  width: number;
  height: number;
  /** RGB, row-major, 0..1 */
  data: Float32Array;
}

export interface ImageValue {
  kind: 'image';
  frames: ImageFrame[];
}

export interface AudioValue {
  kind: 'audio';
  sampleRate: number;
  /** One Float32Array per channel, -1..1 */
  channels: Float32Array[];
}

/** Stand-in for model objects (MODEL, CLIP, VAE, CONDITIONING, LATENT...). */
export interface TokenValue {
  kind: 'token';
  type: string;
  data: Record<string, unknown>;
}

export type FakeValue = ImageValue | AudioValue | TokenValue | string | number | boolean | null;

export function token(type: string, data: Record<string, unknown> = {}): TokenValue {
  return { kind: 'token', type, data };
}

export function isImage(v: unknown): v is ImageValue {
  return typeof v === 'object' && v !== null && (v as ImageValue).kind === 'image';
}

export function isAudio(v: unknown): v is AudioValue {
  return typeof v === 'object' && v !== null && (v as AudioValue).kind === 'audio';
}

export function isToken(v: unknown, type?: string): v is TokenValue {
  return typeof v === 'object' && v !== null && (v as TokenValue).kind === 'token' && (!type || (v as TokenValue).type === type);
}

export function solidFrame(width: number, height: number, rgb: [number, number, number]): ImageFrame {
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    data[i * 3] = rgb[0];
    data[i * 3 + 1] = rgb[1];
    data[i * 3 + 2] = rgb[2];
  }
  return { width, height, data };
}

/** What ComfyUI's SaveImage does: clip(255 * x) then truncate to uint8. */
export function frameToBytes(frame: ImageFrame): Buffer {
  const out = Buffer.alloc(frame.data.length);
  for (let i = 0; i < frame.data.length; i++) out[i] = Math.min(255, Math.max(0, Math.floor(frame.data[i] * 255)));
  return out;
}

export function bytesToFrame(width: number, height: number, bytes: Buffer, channels: number): ImageFrame {
  const data = new Float32Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) data[p * 3 + c] = bytes[p * channels + Math.min(c, channels - 1)] / 255;
  }
  return { width, height, data };
}

export function sineTone(seconds: number, sampleRate: number, channels: number, frequency: number, amplitude = 0.3): AudioValue {
  const length = Math.max(1, Math.round(seconds * sampleRate));
  const channel = new Float32Array(length);
  for (let i = 0; i < length; i++) channel[i] = amplitude * Math.sin((2 * Math.PI * frequency * i) / sampleRate);
  return { kind: 'audio', sampleRate, channels: Array.from({ length: channels }, () => channel.slice()) };
}
