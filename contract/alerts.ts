// Standing alerts: the server raises one when jobs of one kind, or jobs on one ComfyUI
// backend, fail several times in a row. `/health` lists them (`status: 'degraded'`), and the
// WebSocket sends `alert` when one is raised or grows and `alert.cleared` when a success ends
// it. No imports: the server, the browser bundle and the tests read it.

/** What a streak of failures is counted over: one workflow kind, or one ComfyUI backend. */
export type AlertScope = 'kind' | 'backend';

export interface LabAlert {
  /** Stable while the alert stands: `kind:<workflow>` or `backend:<name>`. */
  id: string;
  scope: AlertScope;
  /** The workflow kind or the backend name. */
  subject: string;
  /** Failed jobs in a row so far (at least the configured threshold). */
  consecutiveFailures: number;
  /** The error code of the latest failure (null when the job recorded none). */
  lastErrorCode: string | null;
  lastJobId: string;
  /** For people: "5 enhance jobs failed in a row (last: MODEL_UNAVAILABLE)". */
  reason: string;
  /** When the alert was raised (ISO 8601). */
  since: string;
}

/** WebSocket messages about alerts; they go to every client, whatever job ids it subscribed to. */
export type AlertSocketMessage =
  | { type: 'alert'; alert: LabAlert }
  /** The next success of that kind (or on that backend) ended the alert. */
  | { type: 'alert.cleared'; alert: LabAlert; clearedBy: string };
