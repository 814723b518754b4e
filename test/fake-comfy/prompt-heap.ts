// ComfyUI's PromptQueue is a Python heapq keyed by the prompt's number: /queue lists the heap
// array as it is (not sorted), and a `front` prompt (negative number) runs first.
import type { QueueItem } from '../../bridge/types.js';

export class PromptHeap {
  readonly items: QueueItem[] = [];

  get size(): number {
    return this.items.length;
  }

  push(item: QueueItem): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent][0] <= a[i][0]) break;
      [a[parent], a[i]] = [a[i], a[parent]];
      i = parent;
    }
  }

  pop(): QueueItem | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop() as QueueItem;
    if (a.length > 0) {
      a[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  /** Removes the first item matching; re-heapifies like heapq.heapify. */
  remove(match: (item: QueueItem) => boolean): boolean {
    const index = this.items.findIndex(match);
    if (index < 0) return false;
    this.items.splice(index, 1);
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
    return true;
  }

  clear(): void {
    this.items.length = 0;
  }

  private siftDown(i: number): void {
    const a = this.items;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < a.length && a[l][0] < a[smallest][0]) smallest = l;
      if (r < a.length && a[r][0] < a[smallest][0]) smallest = r;
      if (smallest === i) return;
      [a[smallest], a[i]] = [a[i], a[smallest]];
      i = smallest;
    }
  }
}
