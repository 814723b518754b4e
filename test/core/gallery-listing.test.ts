// The gallery's API: previews (a video's poster) are not items of their own, filters by kind,
// role and workflow, and a thumbnail for every kind: images scaled down, videos their poster
// (the one interpolate records), audio clips their waveform, each made once and cached.
import { strict as assert } from 'node:assert';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Artifact } from '../../contract/artifact.js';
import type { JobDetail } from '../../contract/job.js';
import type { Page } from '../../contract/pages.js';
import { testClips, type Clips } from '../support/clips.js';
import { steppingKind, toneKind } from '../support/kinds.js';
import { startTestLab, waitForStatus, type TestLab } from '../support/lab.js';
import { DATABASES } from '../support/db.js';

for (const target of DATABASES) {
  target.describe(`gallery listing and thumbnails on ${target.name}`, function () {
    this.timeout(90_000);
    let t: TestLab;
    let clips: Clips;
    let uploadedVideo: Artifact;
    let video: Artifact;
    let poster: Artifact;
    let audio: Artifact;
    let images: Artifact[];

    async function upload(path: string, name: string): Promise<Artifact> {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(await readFile(path))]), name);
      const res = await t.fetch('/uploads', { method: 'POST', body: form });
      assert.ok(res.status === 201 || res.status === 200, await res.clone().text());
      return (await res.json()) as Artifact;
    }

    async function run(body: Record<string, unknown>): Promise<JobDetail> {
      const { status, body: job } = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify(body) });
      assert.equal(status, 202, JSON.stringify(job));
      const done = await waitForStatus(t, job.id, ['SUCCEEDED', 'FAILED'], 60_000);
      assert.equal(done.status, 'SUCCEEDED', `${done.errorCode}: ${done.errorMessage}`);
      return done;
    }

    const list = async (query = '') => (await t.json<Page<Artifact>>(`/artifacts?limit=200${query}`)).body.items;

    before(async () => {
      clips = await testClips();
      t = await startTestLab({ db: await target.create(), kinds: [steppingKind('generate'), toneKind('music')] });
      uploadedVideo = await upload(clips.motion, 'motion.mp4');
      const interpolated = await run({ workflow: 'interpolate', inputs: [uploadedVideo.id], params: { targetFps: 120, mode: 'fast' } });
      video = interpolated.outputs.find((a) => a.kind === 'video') as Artifact;
      poster = (await list('&role=preview')).find((a) => a.jobId === interpolated.id) as Artifact;
      assert.ok(video && poster, 'interpolate recorded a video and its poster');
      audio = (await run({ workflow: 'music', params: { seconds: 2 } })).outputs[0];
      images = (await run({ workflow: 'generate', params: { outputs: 2 } })).outputs;
    });
    after(async () => t?.close());

    it('leaves previews out of the listing (they belong to their artifact) unless role=preview asks for them', async () => {
      const ids = (await list()).map((a) => a.id);
      assert.ok(ids.includes(video.id) && ids.includes(audio.id) && ids.includes(uploadedVideo.id));
      assert.ok(!ids.includes(poster.id), 'the poster is not an item of its own');
      assert.deepEqual((await list('&role=preview')).map((a) => a.id), [poster.id]);
    });

    it('filters by workflow, kind and role, together', async () => {
      assert.deepEqual((await list('&workflow=interpolate')).map((a) => a.id), [video.id]);
      assert.deepEqual((await list('&workflow=music')).map((a) => a.id), [audio.id]);
      assert.deepEqual((await list('&workflow=generate,music&kind=image')).map((a) => a.id).sort(), images.map((a) => a.id).sort());
      assert.deepEqual((await list('&kind=video&role=input')).map((a) => a.id), [uploadedVideo.id], 'uploads have the input role');
      assert.deepEqual((await list('&kind=video&role=output')).map((a) => a.id), [video.id]);
      assert.deepEqual(await list('&workflow=blend'), []);
    });

    it('refuses an unknown workflow with a problem naming the query field', async () => {
      const { status, body } = await t.json<{ code: string; errors: Array<{ field: string; message: string }> }>('/artifacts?workflow=paint');
      assert.equal(status, 422);
      assert.equal(body.code, 'VALIDATION_FAILED');
      assert.ok(body.errors.some((e) => e.field.startsWith('query.workflow')), JSON.stringify(body));
    });

    it('gives every item a thumbnail URL', async () => {
      for (const item of await list()) assert.ok(item.thumbnailUrl, `${item.kind} ${item.id}`);
    });

    async function thumbnail(artifact: Artifact, size = 128): Promise<Buffer> {
      const res = await t.fetch(`/artifacts/${artifact.id}/thumbnail?size=${size}`);
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(res.headers.get('content-type'), 'image/webp');
      return Buffer.from(await res.arrayBuffer());
    }

    it("shows a video by the poster its interpolation made", async () => {
      const ofVideo = await thumbnail(video);
      const ofPoster = await thumbnail(poster);
      assert.ok(ofVideo.equals(ofPoster), "the video's thumbnail is its poster's");
      const meta = await sharp(ofVideo).metadata();
      assert.equal(meta.width, 128);
      assert.equal(meta.height, Math.round((128 * (poster.height as number)) / (poster.width as number)));
    });

    it('shows an uploaded video (no poster recorded) by a frame of its own', async () => {
      const meta = await sharp(await thumbnail(uploadedVideo)).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 128, 72]);
    });

    it('shows an audio clip by its waveform, drawn once and cached like image thumbnails', async () => {
      const bytes = await thumbnail(audio, 200);
      const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual([info.width, info.height], [200, 100]);
      let drawn = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) drawn++;
      assert.ok(drawn > 200 * 100 * 0.05, `the waveform is drawn (${drawn} opaque pixels)`);
      const thumbs = join(t.dataDir, 'artifacts', 'thumbs', audio.sha256.slice(0, 2));
      const cached = (await readdir(thumbs)).filter((f) => f.startsWith(`${audio.sha256}-waveform-200`));
      assert.equal(cached.length, 1, 'cached under thumbs/');
      const before = (await stat(join(thumbs, cached[0]))).mtimeMs;
      assert.ok((await thumbnail(audio, 200)).equals(bytes), 'the same bytes again');
      assert.equal((await stat(join(thumbs, cached[0]))).mtimeMs, before, 'served from the cache, not drawn again');
    });
  });
}
