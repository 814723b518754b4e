// The custom events Media Lab elements dispatch. All bubble and cross shadow roots (composed),
// so a host can listen on any ancestor, e.g. document.addEventListener('media-lab-job-queued', ...).
import type { Artifact } from '../contract/artifact.js';
import type { SourceInfo, SourceItem } from '../contract/sources.js';
import type { Job } from '../contract/job.js';
import type { ClientProblem as Problem } from './api-client.js';

export type ToastVariant = 'info' | 'success' | 'error';

export interface MediaLabEventMap {
  /** A job was accepted (HTTP 202). */
  'media-lab-job-queued': { job: Job };
  /** The API refused the user: 401 (nobody signed in) or 403 (not an admin). */
  'media-lab-access-denied': { problem: Problem };
  /** The server rejected a submission; `problem.errors` names the fields. */
  'media-lab-submit-error': { problem: Problem };
  /** The workspace switched tabs. */
  'media-lab-tab-change': { tab: string };
  /** A job row was activated. Cancelable: call preventDefault() to stop the link navigation. */
  'media-lab-job-select': { job: Job };
  /** Cancel or retry was accepted for a job. */
  'media-lab-job-action': { action: 'cancel' | 'retry'; job: Job };
  /** The job detail loaded or changed. */
  'media-lab-job-change': { job: Job };
  /** The compare slider moved (0..100, percent of the "after" image revealed from the left). */
  'media-lab-compare-change': { position: number };
  /** A gallery item was activated. */
  'media-lab-artifact-select': { artifact: Artifact };
  /** A gallery page arrived. */
  'media-lab-gallery-page': { loaded: number; hasMore: boolean };
  /** The audio player started or paused. */
  'media-lab-audio-play': { src: string };
  'media-lab-audio-pause': { src: string; currentTime: number };
  /** A message for the nearest <media-lab-toasts>. */
  'media-lab-toast': { message: string; variant: ToastVariant };
  /** An item of a host source was picked and imported as an input artifact. */
  'media-lab-source-picked': { artifact: Artifact; source: SourceInfo; item: SourceItem };
  /** A prompt's artifacts loaded. */
  'prompt-artifacts-loaded': { promptId: string; count: number; status: string | null };
}

export type MediaLabEventName = keyof MediaLabEventMap;

/** Dispatches a typed, bubbling, composed CustomEvent; returns false when a listener prevented it. */
export function emit<K extends MediaLabEventName>(target: EventTarget, name: K, detail: MediaLabEventMap[K], options: { cancelable?: boolean } = {}): boolean {
  return target.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true, cancelable: options.cancelable ?? false }));
}

declare global {
  interface HTMLElementEventMap {
    'media-lab-job-queued': CustomEvent<MediaLabEventMap['media-lab-job-queued']>;
    'media-lab-access-denied': CustomEvent<MediaLabEventMap['media-lab-access-denied']>;
    'media-lab-submit-error': CustomEvent<MediaLabEventMap['media-lab-submit-error']>;
    'media-lab-tab-change': CustomEvent<MediaLabEventMap['media-lab-tab-change']>;
    'media-lab-job-select': CustomEvent<MediaLabEventMap['media-lab-job-select']>;
    'media-lab-job-action': CustomEvent<MediaLabEventMap['media-lab-job-action']>;
    'media-lab-job-change': CustomEvent<MediaLabEventMap['media-lab-job-change']>;
    'media-lab-compare-change': CustomEvent<MediaLabEventMap['media-lab-compare-change']>;
    'media-lab-artifact-select': CustomEvent<MediaLabEventMap['media-lab-artifact-select']>;
    'media-lab-gallery-page': CustomEvent<MediaLabEventMap['media-lab-gallery-page']>;
    'media-lab-audio-play': CustomEvent<MediaLabEventMap['media-lab-audio-play']>;
    'media-lab-audio-pause': CustomEvent<MediaLabEventMap['media-lab-audio-pause']>;
    'media-lab-toast': CustomEvent<MediaLabEventMap['media-lab-toast']>;
    'media-lab-source-picked': CustomEvent<MediaLabEventMap['media-lab-source-picked']>;
    'prompt-artifacts-loaded': CustomEvent<MediaLabEventMap['prompt-artifacts-loaded']>;
  }
}
