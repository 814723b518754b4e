// <media-lab-graph>: a directed graph laid out with dagre (left to right): nodes are the light-DOM
// children with slot="node-<id>" (any card the page renders), edges are drawn between them. Used
// by the workbench (draft steps), and meant for a chain job's steps and an artifact's provenance.
//
// Properties: nodes (GraphNode[]: id, optional width/height in px, default 220 x 170),
//   edges (GraphEdge[]: from, to, optional state shown as data-state, e.g. fresh | stale | missing,
//   and label), direction ('LR' | 'TB')
// Parts: canvas, edge (plus edge-<state>), node
// CSS properties: --media-lab-graph-edge, --media-lab-graph-edge-fresh, --media-lab-graph-edge-stale
import { LitElement, css, html, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import dagre from '@dagrejs/dagre';
import { themeStyles } from './theme.styles.js';

export interface GraphNode {
  id: string;
  width?: number;
  height?: number;
}

export interface GraphEdge {
  from: string;
  to: string;
  state?: string;
  label?: string;
}

export interface GraphLayout {
  width: number;
  height: number;
  nodes: Map<string, { x: number; y: number; width: number; height: number }>;
  edges: Array<{ edge: GraphEdge; points: Array<{ x: number; y: number }> }>;
}

const NODE_WIDTH = 220;
const NODE_HEIGHT = 170;

/** Positions (top-left corners) for the nodes and polyline points for the edges. */
export function layoutGraph(nodes: GraphNode[], edges: GraphEdge[], direction: 'LR' | 'TB' = 'LR'): GraphLayout {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: direction, nodesep: 32, ranksep: 64, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) g.setNode(node.id, { width: node.width ?? NODE_WIDTH, height: node.height ?? NODE_HEIGHT });
  const ids = new Set(nodes.map((n) => n.id));
  const drawn = edges.filter((e) => ids.has(e.from) && ids.has(e.to));
  drawn.forEach((edge, i) => g.setEdge(edge.from, edge.to, {}, `e${i}`));
  dagre.layout(g);
  const placed = new Map<string, { x: number; y: number; width: number; height: number }>();
  for (const node of nodes) {
    const n = g.node(node.id) as { x: number; y: number; width: number; height: number };
    placed.set(node.id, { x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height });
  }
  const label = g.graph() as { width?: number; height?: number };
  return {
    width: Math.ceil(label.width ?? 0),
    height: Math.ceil(label.height ?? 0),
    nodes: placed,
    edges: drawn.map((edge, i) => ({ edge, points: ((g.edge(edge.from, edge.to, `e${i}`) as { points?: Array<{ x: number; y: number }> })?.points ?? []) })),
  };
}

@customElement('media-lab-graph')
export class MediaLabGraph extends LitElement {
  static override styles = [
    themeStyles,
    css`
      :host {
        display: block;
        overflow: auto;
        max-width: 100%;
      }
      [part~='canvas'] {
        position: relative;
      }
      svg {
        position: absolute;
        inset: 0;
        pointer-events: none;
        overflow: visible;
      }
      path {
        fill: none;
        stroke: var(--media-lab-graph-edge, var(--_muted));
        stroke-width: 2;
      }
      path[data-state='fresh'] {
        stroke: var(--media-lab-graph-edge-fresh, var(--_success));
      }
      path[data-state='stale'] {
        stroke: var(--media-lab-graph-edge-stale, var(--_warning));
        stroke-dasharray: 6 4;
      }
      path[data-state='missing'] {
        stroke-dasharray: 2 4;
      }
      text {
        font: 0.7rem var(--_font, sans-serif);
        fill: var(--_muted);
      }
      [part='node'] {
        position: absolute;
        display: flex;
      }
      [part='node'] > slot::slotted(*) {
        flex: 1;
        min-width: 0;
      }
    `,
  ];

  @property({ attribute: false }) nodes: GraphNode[] = [];
  @property({ attribute: false }) edges: GraphEdge[] = [];
  @property() direction: 'LR' | 'TB' = 'LR';

  override render() {
    const layout = layoutGraph(this.nodes, this.edges, this.direction);
    const path = (points: Array<{ x: number; y: number }>) => points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    return html`<div part="canvas" style="width:${layout.width}px;height:${layout.height}px">
      <svg width=${layout.width} height=${layout.height} aria-hidden="true">
        <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" style="stroke:none;fill:var(--_muted)"></path></marker></defs>
        ${layout.edges.map(({ edge, points }) => {
          const middle = points[Math.floor(points.length / 2)];
          return svg`<path part="edge edge-${edge.state ?? 'plain'}" data-from=${edge.from} data-to=${edge.to} data-state=${edge.state ?? ''} d=${path(points)} marker-end="url(#arrow)"></path>
            ${edge.label && middle ? svg`<text x=${middle.x + 4} y=${middle.y - 4}>${edge.label}</text>` : ''}`;
        })}
      </svg>
      ${this.nodes.map((node) => {
        const at = layout.nodes.get(node.id)!;
        return html`<div part="node" data-node=${node.id} style="left:${at.x}px;top:${at.y}px;width:${at.width}px;height:${at.height}px"><slot name="node-${node.id}"></slot></div>`;
      })}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'media-lab-graph': MediaLabGraph;
  }
}
