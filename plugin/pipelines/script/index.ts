// Script presets' runner, wired once:
//
//   const scripts = createScriptRunner(options.scripts);   // validated; nothing checked yet
//   await scripts.start();                                 // the start-up check (never throws)
//   scripts.availability()                                 // { available, reason?, fix?, ... }
//   await scripts.executor.run(ctx, presetVersion)         // the comfy kinds hand script presets here
import { checkScriptSetup, type ScriptAvailability } from './availability.js';
import { ScriptExecutor } from './executor.js';
import { scriptOptionsSchema, type ScriptOptions } from './options.js';
import { ScriptSlots } from './slots.js';

export { ScriptExecutor, OutputTail, SCRIPT_TAIL_LINES, SCRIPT_LOG_LINES } from './executor.js';
export { scriptOptionsSchema, RUNNER_COMFY_FLAGS, type ScriptOptions, type ScriptOptionsInput } from './options.js';
export { checkScriptSetup, probePython, type ScriptAvailability } from './availability.js';
export { buildScriptArgs, type ScriptCommandInput } from './args.js';
export { findOutputs, type FoundOutput } from './collect.js';
export { runScriptProcess, groupAlive, liveScriptGroups, type ScriptExit } from './process.js';
export { ScriptProgress } from './progress.js';
export { ScriptSlots } from './slots.js';

export interface ScriptRunner {
  readonly options: ScriptOptions | null;
  readonly executor: ScriptExecutor;
  readonly slots: ScriptSlots;
  /** The last start-up check (unavailable, "not checked yet", until start()). */
  availability(): ScriptAvailability;
  /** Checks Python and the ComfyUI folder; never throws. */
  start(): Promise<ScriptAvailability>;
  /** The /health section. */
  health(): Record<string, unknown>;
}

/** `raw` is the `scripts` option (absent: script presets are unavailable, with that reason). Throws ZodError on a bad option. */
export function createScriptRunner(raw: unknown): ScriptRunner {
  const options = raw === undefined || raw === null ? null : scriptOptionsSchema.parse(raw);
  const slots = new ScriptSlots(options?.concurrency ?? 1);
  let current: ScriptAvailability = {
    available: false,
    reason: 'not checked yet (the lab has not started)',
    fix: 'Start the lab (createMediaLab(...).start()).',
    python: options?.python ?? 'python3',
    checkedAt: new Date().toISOString(),
  };
  const executor = new ScriptExecutor({ options, availability: () => current, slots });
  return {
    options,
    executor,
    slots,
    availability: () => current,
    async start() {
      current = await checkScriptSetup(options);
      return current;
    },
    health: () => ({ ...current, concurrency: slots.limit, running: slots.busy, waiting: slots.queued }),
  };
}
