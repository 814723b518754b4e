// What to do about a failed job or request, by its stable error code (never by message text).
// Complete by type: a new ErrorCode does not compile until it has its advice. No runtime
// imports: the browser bundle reads it.
import type { ErrorCode } from './errors.js';

export const ADVICE: Readonly<Record<ErrorCode, string>> = {
  VALIDATION_FAILED: 'Fix the fields named in the message and submit again.',
  INPUT_MISSING: 'An input file is gone. Upload it again and submit a new job.',
  INPUT_KIND_MISMATCH: 'This workflow takes a different kind of media. Upload a matching file.',
  UNSUPPORTED_FORMAT: 'Upload the file in a supported format (PNG, JPEG or WebP images; MP4, WebM or MOV video; WAV, MP3, FLAC or OGG audio).',
  CORRUPT_INPUT: 'The input could not be decoded. Re-export the file and upload it again.',
  INPUT_TOO_LARGE: 'The input is over the server limit. Downscale or trim it, then upload again.',
  EXECUTOR_UNAVAILABLE: 'This server has no pipeline installed for this workflow. Ask the admin to install or configure it (ComfyUI workflows need COMFYUI_URL), then retry.',
  EXECUTOR_FAILED: 'The pipeline failed. Retry; if it fails again, check the server log for this job id.',
  MODEL_UNAVAILABLE: 'The model this preset needs is not installed. Pick another quality preset or ask the admin to install it.',
  COMFY_UNREACHABLE: 'No ComfyUI backend answered. Check that ComfyUI is running and that COMFYUI_URL (or the comfy.backends option) points at it; jobs submitted while none answers wait in the queue and start when one does.',
  COMFY_VALIDATION: 'ComfyUI rejected the workflow (a missing node or model). Ask the admin to check the preset against the ComfyUI install.',
  COMFY_EXECUTION: 'ComfyUI failed while running the workflow. Adjust the parameters (size, steps) and retry.',
  COMFY_LOST: 'The ComfyUI backend lost the job (it restarted or dropped the connection). Retry.',
  SCRIPT_FAILED: 'The preset\'s script failed; the message ends with its last output lines. Fix the parameter it names and retry, or ask the admin to run the script by hand with the same options (README: script presets, troubleshooting).',
  PRESET_NOT_FOUND: 'The preset no longer exists. Pick another preset and submit again.',
  PRESET_INVALID: 'The preset is broken. Ask the admin to re-import it.',
  CANCELLED: 'The job was cancelled. Retry to run it again.',
  LEASE_LOST: 'The worker running this job stopped. Retry; another worker will pick it up.',
  UNAUTHENTICATED: 'Sign in to the host site, then reload the page.',
  FORBIDDEN: 'Media Lab is for admins only. Ask an admin to run it for you or to grant you the admin role.',
  QUOTA_EXCEEDED: 'You have reached your job quota. Wait for running jobs to finish (or the time the server named), then submit again.',
  UPSTREAM_FAILED: 'An earlier step of this chain failed, so this step never ran. Fix what made that step fail, then retry the chain: finished steps are reused.',
  TIMEOUT: 'The job ran past its time limit. Lower the size or length of the work and retry, or raise the limit (the timeouts option for its kind, or the preset manifest\'s timeout).',
  SOURCE_NOT_FOUND: 'The host offers no media source by that name. Reload the page to see the sources it has now.',
  SOURCE_ITEM_NOT_FOUND: 'The item is no longer in the host\'s source (deleted or moved). Reload the list and pick another one.',
  SOURCE_ITEM_INVALID: 'That is not an id this source hands out. Pick the item from the source\'s list instead of typing its id.',
  SOURCE_UNAVAILABLE: 'The host\'s media source failed to answer. Retry; if it keeps failing, the server log has the details.',
  NOT_FOUND: 'Nothing is at this address: check the id or the path (it may have been deleted or pruned).',
  ILLEGAL_TRANSITION: 'The job is no longer in a state that allows this. Reload it to see its current status.',
  NOT_STALE: 'This artifact is up to date (its preset version and model are current), so there is nothing to refresh. Use reproduce to run the same job again.',
  NOT_REPRODUCIBLE: 'This artifact cannot be made again as recorded (an upload, or its model file changed since). Refresh it to make it with the current preset and model instead.',
  BAD_REQUEST: 'The request is malformed. Check its headers and body against the API documentation (GET /openapi.json).',
  MALFORMED_JSON: 'The request body is not valid JSON. Fix the JSON and send it again.',
  REQUEST_TOO_LARGE: 'The request body is over the server limit. Upload files with POST /uploads and send their ids instead.',
  UNSUPPORTED_MEDIA_TYPE: 'The body is in a type or encoding the server does not read. Send JSON as UTF-8 (Content-Type: application/json).',
  RANGE_NOT_SATISFIABLE: 'The requested byte range lies outside the file. Ask for a range within the size in Content-Range, or for the whole file.',
  PRECONDITION_FAILED: 'The file changed since your copy (If-Match / If-Unmodified-Since failed). Fetch it again without the condition.',
  UPSTREAM_NOT_READY: 'A step this one reads has no fresh, finished result yet. Use "Run to here" to run the missing or stale upstream steps first, or select an up-to-date result of each.',
  IDEMPOTENCY_KEY_REUSED: 'This Idempotency-Key was used for a different request. Send a new key for a new request, or the original body to get the original job.',
  INTERNAL: 'Media Lab hit an unexpected error. Retry; if it happens again, the server log has the details.',
};

const FALLBACK = 'Retry the job; if it fails again, check the server log for this job id.';

export function adviceFor(code: string | null | undefined): string {
  if (!code) return FALLBACK;
  return Object.hasOwn(ADVICE, code) ? ADVICE[code as ErrorCode] : FALLBACK;
}
