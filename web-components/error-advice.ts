// What to do about a failed job, by its stable error code (never by message text).

const advice: Record<string, string> = {
  VALIDATION_FAILED: 'Fix the fields named in the message and submit again.',
  INPUT_MISSING: 'An input file is gone. Upload it again and submit a new job.',
  INPUT_KIND_MISMATCH: 'This workflow takes a different kind of media. Upload a matching file.',
  UNSUPPORTED_FORMAT: 'Upload the file in a supported format (PNG, JPEG or WebP images; MP4, WebM or MOV video; WAV, MP3, FLAC or OGG audio).',
  CORRUPT_INPUT: 'The input could not be decoded. Re-export the file and upload it again.',
  INPUT_TOO_LARGE: 'The input is over the server limit. Downscale or trim it, then upload again.',
  EXECUTOR_UNAVAILABLE: 'This server has no pipeline installed for this workflow. Ask the admin to install or configure it (ComfyUI workflows need COMFYUI_URL), then retry.',
  EXECUTOR_FAILED: 'The pipeline failed. Retry; if it fails again, check the server log for this job id.',
  MODEL_UNAVAILABLE: 'The model this preset needs is not installed. Pick another quality preset or ask the admin to install it.',
  COMFY_UNREACHABLE: 'No ComfyUI backend answered. Check that ComfyUI is running and reachable, then retry.',
  COMFY_VALIDATION: 'ComfyUI rejected the workflow (a missing node or model). Ask the admin to check the preset against the ComfyUI install.',
  COMFY_EXECUTION: 'ComfyUI failed while running the workflow. Adjust the parameters (size, steps) and retry.',
  COMFY_LOST: 'The ComfyUI backend lost the job (it restarted or dropped the connection). Retry.',
  PRESET_NOT_FOUND: 'The preset no longer exists. Pick another preset and submit again.',
  PRESET_INVALID: 'The preset is broken. Ask the admin to re-import it.',
  CANCELLED: 'The job was cancelled. Retry to run it again.',
  LEASE_LOST: 'The worker running this job stopped. Retry; another worker will pick it up.',
  INTERNAL: 'Media Lab hit an unexpected error. Retry; if it happens again, the server log has the details.',
};

export function adviceFor(code: string | null | undefined): string {
  if (!code) return 'Retry the job; if it fails again, check the server log for this job id.';
  return advice[code] ?? 'Retry the job; if it fails again, check the server log for this job id.';
}
