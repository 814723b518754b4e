// Finds the @upscalerjs model packages on disk. Only their model.json and weight shards are
// read; their JavaScript (and its tfjs peer dependency) is never loaded.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ModelRange } from './model-types.js';

export interface NpmModelFamily {
  /** Short name recorded on outputs, e.g. `esrgan-slim`. */
  name: string;
  packageName: string;
  /** UpscalerJS' RDN models work on 0..255, its RRDN ones on 0..1. */
  range: ModelRange;
  /** onnxruntime's peak working memory per input pixel at x2, measured (see tile-size.ts). */
  bytesPerInputPixel: number;
}

export interface LocatedPackage {
  dir: string;
  version: string;
}

export interface NpmModelScale {
  scale: number;
  modelJsonPath: string;
}

/** Where an npm package lives, or null when it is not installed. */
export type PackageLocator = (packageName: string) => LocatedPackage | null;

const requireHere = createRequire(import.meta.url);

/**
 * Walks the node_modules folders Node would search. The packages' `exports` map hides
 * package.json and model files from require.resolve, so look for the folder directly.
 */
export const locateNpmPackage: PackageLocator = (packageName) => {
  for (const nodeModules of requireHere.resolve.paths(packageName) ?? []) {
    const manifest = path.join(nodeModules, packageName, 'package.json');
    if (!existsSync(manifest)) continue;
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string };
    return { dir: path.dirname(manifest), version: version ?? 'unknown' };
  }
  return null;
};

/** The scales a package ships (models/x2/model.json, models/x4/model.json, ...). */
export function scalesInPackage(located: LocatedPackage): NpmModelScale[] {
  return [2, 3, 4, 8]
    .map((scale) => ({ scale, modelJsonPath: path.join(located.dir, 'models', `x${scale}`, 'model.json') }))
    .filter((entry) => existsSync(entry.modelJsonPath));
}
