// The `scripts` option of createMediaLab: how script presets (ComfyUI-SaveAsScript exports) run.
//   scripts: { python, comfyuiDirectory, comfyArgs, env, concurrency }
import { z } from 'zod';

/** ComfyUI flags the runner sets itself (each job gets its own base directory). */
export const RUNNER_COMFY_FLAGS = ['--base-directory', '--output-directory', '--input-directory', '--user-directory', '--temp-directory'] as const;

export const scriptOptionsSchema = z
  .object({
    /** The Python that has ComfyUI's requirements (torch...): a path or a name on PATH. */
    python: z.string().min(1).default('python3'),
    /** The ComfyUI folder the scripts import ComfyUI from (its nodes.py, comfy/, custom_nodes/, models/). */
    comfyuiDirectory: z.string().min(1).optional(),
    /** ComfyUI's own flags, passed after `--` (e.g. ["--cpu"], ["--front-end-root", "/srv/frontend"]). */
    comfyArgs: z
      .array(z.string())
      .default([])
      .refine((list) => !list.some((a) => (RUNNER_COMFY_FLAGS as readonly string[]).includes(a.split('=')[0])), {
        message: `${RUNNER_COMFY_FLAGS.join(', ')} are set by the runner (each job gets its own folders)`,
      }),
    /** Extra environment for the script (CUDA_VISIBLE_DEVICES, HF_HOME...), over the server's own. */
    env: z.record(z.string(), z.string()).default({}),
    /** Scripts running at once in this process (each loads its models itself). */
    concurrency: z.number().int().min(1).max(64).default(1),
    /** After a cancel or timeout: how long the script gets after SIGTERM before SIGKILL. */
    killGraceMs: z.number().int().min(0).max(60_000).default(3_000),
    /** How long the start-up check may take (`python --version`-like probe). */
    checkTimeoutMs: z.number().int().min(100).default(15_000),
  })
  .strict();

export type ScriptOptionsInput = z.input<typeof scriptOptionsSchema>;
export type ScriptOptions = z.output<typeof scriptOptionsSchema>;
