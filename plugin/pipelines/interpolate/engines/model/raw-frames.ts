// Raw video over pipes: cut a byte stream into whole frames, and write frames with backpressure.
import type { Readable, Writable } from 'node:stream';

/** Yields frameBytes-sized buffers from a raw video stream; a partial tail frame is dropped. */
export async function* readRawFrames(stream: Readable, frameBytes: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let held = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    parts.push(chunk);
    held += chunk.length;
    if (held < frameBytes) continue;
    let data = Buffer.concat(parts, held);
    let offset = 0;
    while (held - offset >= frameBytes) {
      // Copy out: the model and the encoder keep frames after the next chunk arrives.
      yield Buffer.from(data.subarray(offset, offset + frameBytes));
      offset += frameBytes;
    }
    data = data.subarray(offset);
    parts = data.length ? [data] : [];
    held = data.length;
  }
}

/** Resolves once the frame is handed to the OS (or rejects when the reader is gone). */
export function writeFrame(stream: Writable, frame: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(frame, (error) => (error ? reject(error) : resolve()));
  });
}
