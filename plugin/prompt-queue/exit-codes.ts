// Exit codes of `media-lab prompt-queue`, for the host's scheduler (cron, a LaunchAgent,
// systemd timers). 75 is sysexits' EX_TEMPFAIL: "try again later".
export const PROMPT_QUEUE_EXIT = {
  /** Everything it took completed (or nothing was pending). */
  ok: 0,
  /** It could not run: database unreachable, unexpected error. */
  error: 1,
  /** Bad usage or options. */
  usage: 2,
  /** It ran, and at least one prompt failed (see the prompts' error_message). */
  promptsFailed: 3,
  /**
   * `--max-wait` ran out while prompts were still processing: they keep their state (their jobs
   * stay queued or running in Media Lab), and a later run adopts and finishes them.
   */
  maxWaitReached: 4,
  /**
   * Processing paused with prompts left pending: no ComfyUI backend answered, or a configuration
   * problem held a type back (a mapped preset missing, a preset the backends cannot run). Run again later.
   */
  comfyUnavailable: 75,
} as const;

export type PromptQueueExitCode = (typeof PROMPT_QUEUE_EXIT)[keyof typeof PROMPT_QUEUE_EXIT];
