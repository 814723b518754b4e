// Graph helpers over API-format workflows: links, consumers, reachability, output nodes.
import { isLink, type ApiWorkflow, type NodeLink } from '../types.js';

/** Node classes whose files are a job's outputs. */
export const SAVE_CLASSES = new Set([
  'SaveImage',
  'SaveAudio',
  'SaveAudioMP3',
  'SaveAudioOpus',
  'SaveAnimatedWEBP',
  'SaveAnimatedPNG',
  'SaveVideo',
  'MediaLabOutput',
]);
export const PREVIEW_CLASSES = new Set(['PreviewImage', 'PreviewAudio']);
export const AUDIO_SAVE_CLASSES = new Set(['SaveAudio', 'SaveAudioMP3', 'SaveAudioOpus', 'PreviewAudio']);

export function sortedIds(workflow: ApiWorkflow): string[] {
  return Object.keys(workflow).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
}

/** Every (node, input) that reads from `source`. */
export function consumersOf(workflow: ApiWorkflow, source: string): Array<{ node: string; input: string; link: NodeLink }> {
  const out: Array<{ node: string; input: string; link: NodeLink }> = [];
  for (const [id, node] of Object.entries(workflow)) {
    for (const [input, value] of Object.entries(node.inputs)) {
      if (isLink(value) && value[0] === source) out.push({ node: id, input, link: value });
    }
  }
  return out;
}

/** The output nodes: Save nodes and MediaLab Output, or previews when there is nothing else. */
export function defaultOutputNodes(workflow: ApiWorkflow): string[] {
  const saves = sortedIds(workflow).filter((id) => SAVE_CLASSES.has(workflow[id].class_type));
  if (saves.length) return saves;
  return sortedIds(workflow).filter((id) => PREVIEW_CLASSES.has(workflow[id].class_type));
}

/** Nodes that some output depends on (the outputs included). */
export function reachableFrom(workflow: ApiWorkflow, outputs: string[]): Set<string> {
  const seen = new Set<string>();
  const stack = [...outputs];
  while (stack.length) {
    const id = stack.pop() as string;
    if (seen.has(id) || !workflow[id]) continue;
    seen.add(id);
    for (const value of Object.values(workflow[id].inputs)) if (isLink(value)) stack.push(value[0]);
  }
  return seen;
}

/** Does `id` feed `target`'s input named `input`, directly or through other nodes? */
export function feedsInput(workflow: ApiWorkflow, id: string, target: (node: string, input: string) => boolean): boolean {
  const seen = new Set<string>();
  const stack = [id];
  while (stack.length) {
    const current = stack.pop() as string;
    if (seen.has(current)) continue;
    seen.add(current);
    for (const consumer of consumersOf(workflow, current)) {
      if (target(consumer.node, consumer.input)) return true;
      stack.push(consumer.node);
    }
  }
  return false;
}

export function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return /^[a-z]/.test(s) ? s.slice(0, 64) : '';
}
