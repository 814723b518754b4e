// Waveform data and drawing for <media-lab-audio>: decode once, reduce to peaks, draw on a canvas.

/** Decodes audio bytes without an audio device (OfflineAudioContext works headless too). */
export async function decodeAudio(bytes: ArrayBuffer): Promise<AudioBuffer> {
  const context = new OfflineAudioContext(1, 1, 44_100);
  return context.decodeAudioData(bytes);
}

/** The loudest absolute sample of each of `buckets` equal slices, across all channels (0..1). */
export function computePeaks(buffer: AudioBuffer, buckets: number): Float32Array {
  const peaks = new Float32Array(buckets);
  const length = buffer.length;
  if (!length || !buckets) return peaks;
  const size = length / buckets;
  for (let channel = 0; channel < buffer.numberOfChannels; channel++) {
    const data = buffer.getChannelData(channel);
    for (let bucket = 0; bucket < buckets; bucket++) {
      const start = Math.floor(bucket * size);
      const end = Math.min(length, Math.floor((bucket + 1) * size));
      // Long files: sample at most ~2000 points per bucket; peaks stay faithful enough.
      const stride = Math.max(1, Math.floor((end - start) / 2000));
      let peak = peaks[bucket];
      for (let i = start; i < end; i += stride) {
        const value = Math.abs(data[i]);
        if (value > peak) peak = value;
      }
      peaks[bucket] = peak;
    }
  }
  return peaks;
}

export interface WaveformColors {
  wave: string;
  played: string;
}

/** Reduces peaks to `count` bars (the loudest of each range), so bars keep their width on any canvas. */
export function resamplePeaks(peaks: Float32Array, count: number): Float32Array {
  const bars = new Float32Array(Math.max(1, count));
  const size = peaks.length / bars.length;
  for (let bar = 0; bar < bars.length; bar++) {
    const start = Math.floor(bar * size);
    const end = Math.max(start + 1, Math.floor((bar + 1) * size));
    let peak = 0;
    for (let i = start; i < end && i < peaks.length; i++) peak = Math.max(peak, peaks[i]);
    bars[bar] = peak;
  }
  return bars;
}

/**
 * Draws mirrored bars `barPx` wide with a 1-device-pixel-per-`ratio` gap; the part before
 * `progress` (0..1) in the "played" colour.
 */
export function drawWaveform(canvas: HTMLCanvasElement, peaks: Float32Array | null, progress: number, colors: WaveformColors, barPx = 3): void {
  const context = canvas.getContext('2d');
  if (!context) return;
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  const middle = height / 2;
  if (!peaks || !peaks.length) {
    context.fillStyle = colors.wave;
    context.fillRect(0, middle - 1, width, 2);
    return;
  }
  const bars = resamplePeaks(peaks, Math.max(8, Math.floor(width / barPx)));
  const barWidth = width / bars.length;
  let loudest = 0.01;
  for (const peak of bars) loudest = Math.max(loudest, peak);
  for (let i = 0; i < bars.length; i++) {
    const amplitude = Math.max(1, (bars[i] / loudest) * (middle - 1));
    context.fillStyle = (i + 0.5) / bars.length <= progress ? colors.played : colors.wave;
    context.fillRect(i * barWidth, middle - amplitude, Math.max(1, barWidth * 0.7), amplitude * 2);
  }
}
