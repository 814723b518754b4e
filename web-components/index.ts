// Media Lab's web components: import this module once (the router serves it bundled at
// <mount>/ui/media-lab.js) and use the elements in any page.
export { MediaLabApp, APP_TABS, type AppTab } from './media-lab-app.js';
export { MediaLabJobForm, presetsFor } from './media-lab-job-form.js';
export { MediaLabJobs } from './media-lab-jobs.js';
export { MediaLabJob } from './media-lab-job.js';
export { MediaLabCompare } from './media-lab-compare.js';
export { MediaLabGallery } from './media-lab-gallery.js';
export { MediaLabAudio } from './media-lab-audio.js';
export { MediaLabStatusBadge } from './media-lab-status-badge.js';
export { MediaLabProgress } from './media-lab-progress.js';
export { MediaLabToasts } from './media-lab-toasts.js';
export { PromptArtifactsElement } from './prompt-artifacts.js';
export { LabElement } from './lab-element.js';
export { ApiError, MediaLabClient, PromptQueueClient, clientFor, promptClientFor, DEFAULT_API, DEFAULT_PROMPTS_API, type ClientOptions } from './api-client.js';
export { LabEventStream, type StreamMessage, type StreamState } from './event-stream.js';
export type { MediaLabEventMap, MediaLabEventName, ToastVariant } from './events.js';
export * from './api-types.js';
