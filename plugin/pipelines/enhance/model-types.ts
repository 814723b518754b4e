// What the pipeline needs to know about a model it can run.

export type ModelRange = '0-1' | '0-255';

/** A model file ready for onnxruntime, with the facts the tiler needs. */
export interface PreparedModel {
  /** `esrgan-slim`, or a custom model's configured name. */
  name: string;
  /** `@upscalerjs/esrgan-slim@1.0.0 x2`, or `custom:<file>`. */
  source: string;
  /** sha256 of the source weights (npm) or of the ONNX file (custom). */
  sha256: string;
  /** Size of the ONNX file it runs. */
  bytes: number;
  onnxPath: string;
  scale: number;
  range: ModelRange;
  /** Input pixels of context each tile keeps on its inner sides, so seams match an untiled run. */
  tileContext: number;
  /** Working memory per input pixel, before the scale-dependent part (see tile-size.ts). */
  bytesPerInputPixel: number;
}
