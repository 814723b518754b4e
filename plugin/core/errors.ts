// The errors live in the wire contract (the bridge and the browser share them).
export * from '../../contract/errors.js';
