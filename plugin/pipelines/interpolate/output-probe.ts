// Reads back what was written (segments and the final file) to prove the frame count.
import { ffprobePath } from '../../media/binaries.js';
import { runToText } from './ffmpeg/process.js';

export interface WrittenVideo {
  frameCount: number;
  width: number;
  height: number;
  videoCodec: string;
  videoDuration: number | null;
  audio: { codec: string; duration: number | null }[];
  subtitles: { codec: string }[];
}

interface RawStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  duration?: string;
  nb_read_packets?: string;
}

function num(value: string | undefined): number | null {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) ? n : null;
}

/** Counts video packets (one per frame for the H.264 we write) without decoding. */
export async function probeWritten(path: string, signal: AbortSignal): Promise<WrittenVideo> {
  const { stdout } = await runToText(
    ['-v', 'error', '-count_packets', '-show_entries', 'stream=codec_type,codec_name,width,height,duration,nb_read_packets', '-of', 'json', path],
    { label: 'checking the written video', signal, binary: ffprobePath },
  );
  const streams = ((JSON.parse(stdout) as { streams?: RawStream[] }).streams ?? []);
  const video = streams.find((s) => s.codec_type === 'video');
  return {
    frameCount: num(video?.nb_read_packets) ?? 0,
    width: video?.width ?? 0,
    height: video?.height ?? 0,
    videoCodec: video?.codec_name ?? 'unknown',
    videoDuration: num(video?.duration),
    audio: streams.filter((s) => s.codec_type === 'audio').map((s) => ({ codec: s.codec_name ?? 'unknown', duration: num(s.duration) })),
    subtitles: streams.filter((s) => s.codec_type === 'subtitle').map((s) => ({ codec: s.codec_name ?? 'unknown' })),
  };
}
