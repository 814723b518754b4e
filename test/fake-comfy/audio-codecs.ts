// Just enough audio codecs for the fake: read PCM WAV (LoadAudio), write FLAC (SaveAudio writes
// FLAC in ComfyUI) and WAV. The FLAC encoder uses VERBATIM subframes: valid, uncompressed.
import type { AudioValue } from './values.js';

export function decodeWav(buffer: Buffer): AudioValue {
  if (buffer.toString('ascii', 0, 4) !== 'RIFF' || buffer.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  let offset = 12;
  let format = 0;
  let channels = 0;
  let sampleRate = 0;
  let bits = 0;
  while (offset + 8 <= buffer.length) {
    const id = buffer.toString('ascii', offset, offset + 4);
    const size = buffer.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = buffer.readUInt16LE(body);
      channels = buffer.readUInt16LE(body + 2);
      sampleRate = buffer.readUInt32LE(body + 4);
      bits = buffer.readUInt16LE(body + 14);
      if (format === 0xfffe) format = buffer.readUInt16LE(body + 24); // WAVE_FORMAT_EXTENSIBLE sub-format
    } else if (id === 'data') {
      const bytesPerSample = bits / 8;
      const frames = Math.floor(Math.min(size, buffer.length - body) / (bytesPerSample * channels));
      const out = Array.from({ length: channels }, () => new Float32Array(frames));
      for (let f = 0; f < frames; f++) {
        for (let c = 0; c < channels; c++) {
          const at = body + (f * channels + c) * bytesPerSample;
          let v: number;
          if (format === 3 && bits === 32) v = buffer.readFloatLE(at);
          else if (bits === 16) v = buffer.readInt16LE(at) / 32768;
          else if (bits === 24) v = buffer.readIntLE(at, 3) / 8388608;
          else if (bits === 32) v = buffer.readInt32LE(at) / 2147483648;
          else if (bits === 8) v = (buffer[at] - 128) / 128;
          else throw new Error(`unsupported WAV sample size ${bits}`);
          out[c][f] = v;
        }
      }
      return { kind: 'audio', sampleRate, channels: out };
    }
    offset = body + size + (size % 2);
  }
  throw new Error('WAV file has no data chunk');
}

function toInt16(v: number): number {
  return Math.max(-32768, Math.min(32767, Math.round(v * 32767)));
}

export function encodeWav(audio: AudioValue): Buffer {
  const channels = audio.channels.length;
  const frames = audio.channels[0]?.length ?? 0;
  const dataBytes = frames * channels * 2;
  const out = Buffer.alloc(44 + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(channels, 22);
  out.writeUInt32LE(audio.sampleRate, 24);
  out.writeUInt32LE(audio.sampleRate * channels * 2, 28);
  out.writeUInt16LE(channels * 2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);
  let at = 44;
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channels; c++) {
      out.writeInt16LE(toInt16(audio.channels[c][f]), at);
      at += 2;
    }
  }
  return out;
}

const CRC8_TABLE = (() => {
  const table = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i;
    for (let b = 0; b < 8; b++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
    table[i] = crc;
  }
  return table;
})();

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x8005) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

function crc8(bytes: Buffer): number {
  let crc = 0;
  for (const b of bytes) crc = CRC8_TABLE[crc ^ b];
  return crc;
}

function crc16(bytes: Buffer): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ b) & 0xff];
  return crc;
}

/** FLAC's "UTF-8" coding of the frame number. */
function utf8Number(n: number): number[] {
  if (n < 0x80) return [n];
  if (n < 0x800) return [0xc0 | (n >> 6), 0x80 | (n & 0x3f)];
  if (n < 0x10000) return [0xe0 | (n >> 12), 0x80 | ((n >> 6) & 0x3f), 0x80 | (n & 0x3f)];
  return [0xf0 | (n >> 18), 0x80 | ((n >> 12) & 0x3f), 0x80 | ((n >> 6) & 0x3f), 0x80 | (n & 0x3f)];
}

const BLOCK = 4096;

export function encodeFlac(audio: AudioValue): Buffer {
  const channels = audio.channels.length;
  const total = audio.channels[0]?.length ?? 0;
  const parts: Buffer[] = [Buffer.from('fLaC', 'ascii')];

  const info = Buffer.alloc(4 + 34);
  info[0] = 0x80; // last metadata block, type 0 = STREAMINFO
  info.writeUIntBE(34, 1, 3);
  info.writeUInt16BE(BLOCK, 4);
  info.writeUInt16BE(BLOCK, 6);
  // frame sizes 0 = unknown (bytes 8..13 stay zero)
  const packed = (BigInt(audio.sampleRate) << 44n) | (BigInt(channels - 1) << 41n) | (15n << 36n) | BigInt(total);
  info.writeBigUInt64BE(packed, 14);
  // MD5 left zero: "not computed", allowed by the format
  parts.push(info);

  for (let start = 0, frameNo = 0; start < total; start += BLOCK, frameNo++) {
    const size = Math.min(BLOCK, total - start);
    const header = Buffer.from([0xff, 0xf8, 0x70, ((channels - 1) << 4) | (0b100 << 1), ...utf8Number(frameNo), (size - 1) >> 8, (size - 1) & 0xff]);
    const body = Buffer.alloc(channels * (1 + size * 2));
    let at = 0;
    for (let c = 0; c < channels; c++) {
      body[at++] = 0x02; // subframe: VERBATIM, no wasted bits
      for (let i = 0; i < size; i++) {
        body.writeInt16BE(toInt16(audio.channels[c][start + i]), at);
        at += 2;
      }
    }
    const frame = Buffer.concat([header, Buffer.from([crc8(header)]), body]);
    const crc = Buffer.alloc(2);
    crc.writeUInt16BE(crc16(frame));
    parts.push(frame, crc);
  }
  return Buffer.concat(parts);
}
