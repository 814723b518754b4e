// Chooses the output container and how the source's audio and subtitles go into it:
// MP4 whenever it can hold them (it plays everywhere), Matroska for picture subtitles.

export interface MuxPlan {
  container: 'mp4' | 'matroska';
  extension: 'mp4' | 'mkv';
  mime: 'video/mp4' | 'video/x-matroska';
  /** ffmpeg arguments for the source's audio and subtitle streams (input #1). */
  streamArgs: string[];
  audioCodecs: string[];
  subtitleCodecs: string[];
}

const MP4_AUDIO = new Set(['aac', 'mp3', 'ac3', 'eac3', 'alac']);
const TEXT_SUBTITLES = new Set(['subrip', 'srt', 'ass', 'ssa', 'webvtt', 'mov_text', 'text']);

export interface StreamList {
  audio: { index: number; codec: string }[];
  subtitles: { index: number; codec: string }[];
}

export function planMux(streams: StreamList): MuxPlan {
  const pictureSubtitles = streams.subtitles.some((s) => !TEXT_SUBTITLES.has(s.codec));
  const args: string[] = [];
  if (pictureSubtitles) {
    for (const s of [...streams.audio, ...streams.subtitles]) args.push('-map', `1:${s.index}`);
    args.push('-c:a', 'copy', '-c:s', 'copy');
    return {
      container: 'matroska',
      extension: 'mkv',
      mime: 'video/x-matroska',
      streamArgs: args,
      audioCodecs: streams.audio.map((a) => a.codec),
      subtitleCodecs: streams.subtitles.map((s) => s.codec),
    };
  }
  const audioCodecs: string[] = [];
  streams.audio.forEach((a, n) => {
    args.push('-map', `1:${a.index}`);
    // Copy what MP4 holds; re-encode the rest (Vorbis, Opus, PCM...) to AAC.
    if (MP4_AUDIO.has(a.codec)) {
      args.push(`-c:a:${n}`, 'copy');
      audioCodecs.push(a.codec);
    } else {
      args.push(`-c:a:${n}`, 'aac', `-b:a:${n}`, '192k');
      audioCodecs.push('aac');
    }
  });
  for (const s of streams.subtitles) args.push('-map', `1:${s.index}`);
  if (streams.subtitles.length) args.push('-c:s', 'mov_text');
  return {
    container: 'mp4',
    extension: 'mp4',
    mime: 'video/mp4',
    streamArgs: args,
    audioCodecs,
    subtitleCodecs: streams.subtitles.map(() => 'mov_text'),
  };
}
