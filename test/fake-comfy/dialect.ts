// The ComfyUI versions the fake speaks. v0.3.64 is the recorded one (shared/comfyui-protocol.md,
// shared/comfyui/transcript/): no jobs API, any client-chosen prompt_id accepted, an unknown node
// rejected as `invalid_prompt`. 0.33.x adds the jobs API (`GET /api/jobs`, `GET /api/jobs/{id}`,
// `POST /api/jobs/{id}/cancel`), insists on a canonical UUID as a client-chosen prompt_id and
// reports an unknown node as `missing_node_type`. No transcript of 0.33 exists in shared/: its
// job objects follow ComfyUI's own comfy_execution/jobs.py (normalize_queue_item /
// normalize_history_item: id, status, priority, create_time, execution_*_time, execution_error,
// outputs_count; outputs + execution_status on the single-job answer; a page with `pagination`),
// plus the `cancelled` status the issue names for interrupted and cancelled prompts.

export const RECORDED_VERSION = '0.3.64';
export const NEWEST_VERSION = '0.33.1';

export interface Dialect {
  /** What /system_stats reports as comfyui_version. */
  version: string;
  /** GET /api/jobs, GET /api/jobs/{id}, POST /api/jobs/{id}/cancel. */
  jobsApi: boolean;
  /** A client-chosen prompt_id must be a canonical (lower-case, dashed) UUID. */
  uuidPromptIds: boolean;
  /** error.type for a class_type the server does not know. */
  unknownNodeType: 'invalid_prompt' | 'missing_node_type';
}

/** Compares dotted versions numerically: '0.33.1' > '0.3.64'. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return Math.sign(d);
  }
  return 0;
}

export function dialectFor(version: string = RECORDED_VERSION): Dialect {
  const newest = compareVersions(version, '0.33.0') >= 0;
  return { version, jobsApi: newest, uuidPromptIds: newest, unknownNodeType: newest ? 'missing_node_type' : 'invalid_prompt' };
}

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isCanonicalUuid(value: string): boolean {
  return CANONICAL_UUID.test(value);
}
