// Converts packed RGB24 frames to the planar float tensors frame-pair models expect, and back.

export interface TensorGeometry {
  width: number;
  height: number;
  /** Padded size handed to the model (edge pixels repeated). */
  paddedWidth: number;
  paddedHeight: number;
  /** 1/255 for models working in [0, 1], 1 for [0, 255]. */
  scale: number;
}

export function tensorGeometry(width: number, height: number, padMultiple: number, pixelRange: 'unit' | 'byte'): TensorGeometry {
  const pad = (n: number) => Math.ceil(n / padMultiple) * padMultiple;
  return { width, height, paddedWidth: pad(width), paddedHeight: pad(height), scale: pixelRange === 'unit' ? 1 / 255 : 1 };
}

/** RGB24 (H x W x 3) -> float32 NCHW [1, 3, paddedHeight, paddedWidth]. */
export function rgbToPlanar(rgb: Uint8Array, g: TensorGeometry): Float32Array {
  const plane = g.paddedWidth * g.paddedHeight;
  const out = new Float32Array(plane * 3);
  if (g.paddedWidth === g.width && g.paddedHeight === g.height) {
    // No padding: one straight pass (the common case, and the hot loop of the model engine).
    for (let p = 0, src = 0; p < plane; p++, src += 3) {
      out[p] = rgb[src] * g.scale;
      out[plane + p] = rgb[src + 1] * g.scale;
      out[2 * plane + p] = rgb[src + 2] * g.scale;
    }
    return out;
  }
  for (let y = 0; y < g.paddedHeight; y++) {
    const sy = Math.min(y, g.height - 1);
    for (let x = 0; x < g.paddedWidth; x++) {
      const sx = Math.min(x, g.width - 1);
      const src = (sy * g.width + sx) * 3;
      const dst = y * g.paddedWidth + x;
      out[dst] = rgb[src] * g.scale;
      out[plane + dst] = rgb[src + 1] * g.scale;
      out[2 * plane + dst] = rgb[src + 2] * g.scale;
    }
  }
  return out;
}

/** float32 NCHW -> RGB24 of the unpadded size, rounded and clamped. */
export function planarToRgb(data: Float32Array, g: TensorGeometry): Buffer {
  const plane = g.paddedWidth * g.paddedHeight;
  const out = Buffer.allocUnsafe(g.width * g.height * 3);
  const toByte = (v: number) => {
    const b = Math.round(v / g.scale);
    return b < 0 ? 0 : b > 255 ? 255 : b;
  };
  for (let y = 0; y < g.height; y++) {
    for (let x = 0; x < g.width; x++) {
      const src = y * g.paddedWidth + x;
      const dst = (y * g.width + x) * 3;
      out[dst] = toByte(data[src]);
      out[dst + 1] = toByte(data[plane + src]);
      out[dst + 2] = toByte(data[2 * plane + src]);
    }
  }
  return out;
}
