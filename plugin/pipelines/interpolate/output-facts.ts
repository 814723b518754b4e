// Facts and metadata of the finished video, in the same shape the upload route records for
// videos, so an output can be picked as the input of another job.
import { probeMedia } from '../../media/ffprobe.js';
import type { JsonObject, MediaFacts } from '../../core/types.js';

export async function outputFacts(path: string, mime: string, signal: AbortSignal): Promise<MediaFacts> {
  const probe = await probeMedia(path, { signal });
  const video = probe.video;
  return {
    kind: 'video',
    mime,
    width: video?.width ?? null,
    height: video?.height ?? null,
    duration: video?.duration ?? probe.duration,
    fps: video?.fps ?? null,
    metadata: {
      video: video
        ? { codec: video.codec, frameCount: video.frameCount, variableFrameRate: video.variableFrameRate, rateFraction: video.rateFraction, pixFmt: video.pixFmt }
        : null,
      audioStreams: probe.audio.map((a) => ({ codec: a.codec, sampleRate: a.sampleRate, channels: a.channels })),
      subtitleStreams: probe.subtitleStreams,
      container: probe.formatName,
    } satisfies JsonObject,
  };
}
