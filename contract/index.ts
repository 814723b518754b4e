// The Media Lab wire contract: everything the HTTP API and the WebSocket send and accept.
// The browser bundle must not import this module for values (it pulls in zod): web components
// import types with `import type`, and values only from the zod-free files (jobs.ts, media.ts,
// errors.ts, advice.ts, seeds.ts).
export * from './jobs.js';
export * from './media.js';
export * from './errors.js';
export * from './advice.js';
export * from './seeds.js';
export * from './json.js';
export * from './problem.js';
export * from './job.js';
export * from './artifact.js';
export * from './lineage.js';
export * from './pages.js';
export * from './health.js';
export * from './kinds.js';
export * from './interpolate.js';
export * from './presets.js';
export * from './socket.js';
export * from './requests.js';
export * from './prompts.js';
export * from './zod-issues.js';
export * from './sources.js';
