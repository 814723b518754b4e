// Binary WebSocket frames (protocol.py): a big-endian u32 event type, then
//   1 PREVIEW_IMAGE:                  [u32 format 1=JPEG 2=PNG][image]
//   4 PREVIEW_IMAGE_WITH_METADATA:    [u32 metadata length][metadata JSON][image]
//   3 TEXT:                           [u32 node id length][node id][utf8 text]
import type { BinaryFrame } from '../types.js';

function sniff(image: Buffer): { format: 'jpeg' | 'png' | 'unknown'; mime: string } {
  if (image.length >= 8 && image.readUInt32BE(0) === 0x89504e47) return { format: 'png', mime: 'image/png' };
  if (image.length >= 3 && image[0] === 0xff && image[1] === 0xd8) return { format: 'jpeg', mime: 'image/jpeg' };
  return { format: 'unknown', mime: 'application/octet-stream' };
}

export function parseBinaryFrame(data: Buffer): BinaryFrame {
  if (data.length < 8) return { event: 'unknown', code: data.length >= 4 ? data.readUInt32BE(0) : -1, bytes: data.length };
  const code = data.readUInt32BE(0);
  if (code === 1) {
    const format = data.readUInt32BE(4);
    const image = data.subarray(8);
    const sniffed = sniff(image);
    const declared = format === 1 ? 'jpeg' : format === 2 ? 'png' : sniffed.format;
    return { event: 'preview', format: declared, mime: declared === 'jpeg' ? 'image/jpeg' : declared === 'png' ? 'image/png' : sniffed.mime, image };
  }
  if (code === 4) {
    const length = data.readUInt32BE(4);
    let meta: { prompt_id?: string; node_id?: string; image_type?: string } = {};
    try {
      meta = JSON.parse(data.subarray(8, 8 + length).toString('utf8')) as typeof meta;
    } catch {
      // a frame with unreadable metadata still carries its image
    }
    const image = data.subarray(8 + length);
    const sniffed = sniff(image);
    return { event: 'preview', format: sniffed.format, mime: meta.image_type ?? sniffed.mime, image, promptId: meta.prompt_id, nodeId: meta.node_id };
  }
  if (code === 3) {
    const length = data.readUInt32BE(4);
    return { event: 'text', nodeId: data.subarray(8, 8 + length).toString('utf8'), text: data.subarray(8 + length).toString('utf8') };
  }
  return { event: 'unknown', code, bytes: data.length };
}
