// Types for publish-core.js (plain JS so ComfyUI can serve it as is).
export interface PublishOptions {
  baseUrl: string;
  token?: string;
  name: string;
  kind?: string;
  description?: string;
  workflow: Record<string, unknown>;
  parameters?: unknown;
}

export interface PublishAnswer {
  name: string;
  version: number;
  hash: string;
  kind: string;
  created: boolean;
  inferred: boolean;
  parameters: Array<{ name: string; type: string; default?: unknown; min?: number; max?: number }>;
  [key: string]: unknown;
}

export function presetNameFrom(fileName: string): string;
export function guessKind(workflow: Record<string, unknown>): 'generate' | 'blend' | 'music' | 'voice';
export function buildPublishRequest(options: PublishOptions): { url: string; init: RequestInit };
export function publishToMediaLab(options: PublishOptions, fetchImpl?: typeof fetch): Promise<PublishAnswer>;
export function describeResult(result: PublishAnswer | null): string;
