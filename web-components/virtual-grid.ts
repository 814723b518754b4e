// The arithmetic of a virtualised grid of square cells: how many columns fit, how tall the whole
// grid is, and which items fall inside the viewport (plus some rows of overscan).

export interface GridLayout {
  columns: number;
  cellSize: number;
  rowHeight: number;
  gap: number;
}

export function gridLayout(width: number, minCell: number, gap: number): GridLayout {
  const usable = Math.max(0, width);
  const columns = Math.max(1, Math.floor((usable + gap) / (minCell + gap)));
  const cellSize = Math.max(1, (usable - gap * (columns - 1)) / columns);
  return { columns, cellSize, rowHeight: cellSize + gap, gap };
}

export function totalHeight(layout: GridLayout, count: number): number {
  const rows = Math.ceil(count / layout.columns);
  return rows ? rows * layout.rowHeight - layout.gap : 0;
}

/** Index range [start, end) of the items to render for this scroll position. */
export function visibleRange(layout: GridLayout, count: number, scrollTop: number, viewportHeight: number, overscanRows = 2): { start: number; end: number } {
  const firstRow = Math.max(0, Math.floor(scrollTop / layout.rowHeight) - overscanRows);
  const lastRow = Math.ceil((scrollTop + viewportHeight) / layout.rowHeight) + overscanRows;
  return { start: Math.min(count, firstRow * layout.columns), end: Math.min(count, lastRow * layout.columns) };
}

export function cellPosition(layout: GridLayout, index: number): { x: number; y: number } {
  const row = Math.floor(index / layout.columns);
  const column = index % layout.columns;
  return { x: column * (layout.cellSize + layout.gap), y: row * layout.rowHeight };
}
