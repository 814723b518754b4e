// Gallery thumbnails over HTTP: how long the first GET /artifacts/:id/thumbnail?size=256 takes
// for each kind (made, then cached under thumbs/) and a repeat (served from the cache).
//   npx tsx bench/thumbnails.ts
import express from 'express';
import { createServer } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMediaLab } from '../plugin/index.js';
import { ffmpeg } from '../test/support/ffmpeg.js';
import { wavBytes } from '../test/support/media.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-thumbs-'));
const lab = await createMediaLab({
  dataDir: dir,
  authenticate: () => ({ id: 'bench', roles: ['admin'] }),
  logger: { info() {}, warn() {}, error: console.error },
  worker: { enabled: false },
});
await lab.migrate();
const app = express();
app.use('/api/media-lab', lab.router);
const server = createServer(app);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const api = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/media-lab`;

const files = {
  'image 3000x2000 PNG': join(dir, 'photo.png'),
  'video 1280x720, 10 s (no poster: a frame)': join(dir, 'clip.mp4'),
  'audio 10 s WAV (waveform)': join(dir, 'short.wav'),
  'audio 5 min WAV (waveform)': join(dir, 'long.wav'),
};
await ffmpeg(['-y', '-f', 'lavfi', '-i', 'testsrc2=size=3000x2000:rate=1', '-frames:v', '1', files['image 3000x2000 PNG']]);
await ffmpeg(['-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-t', '10', '-pix_fmt', 'yuv420p', files['video 1280x720, 10 s (no poster: a frame)']]);
await writeFile(files['audio 10 s WAV (waveform)'], wavBytes(10, 440, 44_100));
await writeFile(files['audio 5 min WAV (waveform)'], wavBytes(300, 440, 44_100));

async function timedGet(url: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return performance.now() - started;
}

for (const [name, path] of Object.entries(files)) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await readFile(path))]), path.split('/').pop());
  const { id } = (await (await fetch(`${api}/uploads`, { method: 'POST', body: form })).json()) as { id: string };
  const first = await timedGet(`${api}/artifacts/${id}/thumbnail?size=256`);
  const cached = await timedGet(`${api}/artifacts/${id}/thumbnail?size=256`);
  console.log(`${name.padEnd(44)} first ${first.toFixed(0).padStart(5)} ms   cached ${cached.toFixed(2)} ms`);
}
server.close();
await lab.stop();
rmSync(dir, { recursive: true, force: true });
