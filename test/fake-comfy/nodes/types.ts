// How a fake node runs: it gets its resolved inputs and returns its output slots plus the UI
// output (`executed` message / history) for output nodes.
import type { NodeUiOutput } from '../../../bridge/types.js';

export interface FakeDirs {
  input: string;
  output: string;
  temp: string;
}

export interface NodeRunContext {
  promptId: string;
  nodeId: string;
  classType: string;
  /** Inputs with links replaced by the upstream node's output value. */
  inputs: Record<string, unknown>;
  dirs: FakeDirs;
  /** Reports step progress (a `progress` message), waits the configured step delay and stops here if interrupted. */
  step(value: number, max: number): Promise<void>;
  /** Sends a PNG preview as a binary frame, as SaveImageWebsocket does. */
  sendPreview(png: Buffer): void;
}

export interface NodeResult {
  outputs?: unknown[];
  ui?: NodeUiOutput;
}

export type NodeImpl = (ctx: NodeRunContext) => Promise<NodeResult> | NodeResult;

/** A Python-style exception from a node: ends the prompt with `execution_error`. */
export class NodeException extends Error {
  constructor(
    readonly exceptionType: string,
    message: string,
  ) {
    super(message);
  }
}
