// Detects a file's format from its first bytes, never from its name.
import type { MediaKind } from '../core/types.js';

export interface SniffedFormat {
  kind: MediaKind;
  mime: string;
  format: string;
}

function ascii(buf: Buffer, start: number, end: number): string {
  return buf.subarray(start, end).toString('latin1');
}

export function sniffFormat(head: Buffer): SniffedFormat | null {
  if (head.length < 12) return null;
  if (head[0] === 0x89 && ascii(head, 1, 4) === 'PNG') return { kind: 'image', mime: 'image/png', format: 'png' };
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return { kind: 'image', mime: 'image/jpeg', format: 'jpeg' };
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return { kind: 'image', mime: 'image/webp', format: 'webp' };
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WAVE') return { kind: 'audio', mime: 'audio/wav', format: 'wav' };
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'AVI ') return { kind: 'video', mime: 'video/x-msvideo', format: 'avi' };
  if (ascii(head, 0, 4) === 'II*\0' || ascii(head, 0, 4) === 'MM\0*') return { kind: 'image', mime: 'image/tiff', format: 'tiff' };
  if (ascii(head, 0, 4) === 'GIF8') return { kind: 'image', mime: 'image/gif', format: 'gif' };
  if (ascii(head, 0, 4) === 'fLaC') return { kind: 'audio', mime: 'audio/flac', format: 'flac' };
  if (ascii(head, 0, 4) === 'OggS') return { kind: 'audio', mime: 'audio/ogg', format: 'ogg' };
  if (ascii(head, 0, 3) === 'ID3' || (head[0] === 0xff && (head[1] & 0xe0) === 0xe0 && (head[1] & 0x06) !== 0)) {
    return { kind: 'audio', mime: 'audio/mpeg', format: 'mp3' };
  }
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) {
    const webm = head.includes(Buffer.from('webm'));
    return { kind: 'video', mime: webm ? 'video/webm' : 'video/x-matroska', format: webm ? 'webm' : 'matroska' };
  }
  if (ascii(head, 4, 8) === 'ftyp') {
    const brand = ascii(head, 8, 12);
    if (brand === 'avif' || brand === 'avis') return { kind: 'image', mime: 'image/avif', format: 'avif' };
    if (brand.startsWith('heic') || brand === 'mif1' || brand === 'heix') return null;
    if (brand === 'M4A ' || brand === 'M4B ') return { kind: 'audio', mime: 'audio/mp4', format: 'm4a' };
    if (brand === 'qt  ') return { kind: 'video', mime: 'video/quicktime', format: 'mov' };
    return { kind: 'video', mime: 'video/mp4', format: 'mp4' };
  }
  return null;
}

export const SUPPORTED_UPLOAD_FORMATS = 'PNG, JPEG, WebP, AVIF, TIFF, GIF images; MP4, MOV, WebM, MKV, AVI videos; WAV, MP3, FLAC, OGG, M4A audio';
