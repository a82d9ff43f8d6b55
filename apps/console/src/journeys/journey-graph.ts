import { Graph, layout } from '@dagrejs/dagre';
import type { MessageKey } from '../i18n/catalog';
import type { JourneyDefinition, JourneyStep } from './use-journeys';

/**
 * A journey definition as a graph: one node per step plus the entry, one edge per way out of a
 * step (`next`, `onEvent`/`onTimeout`, each branch and `otherwise`, each split path), laid out
 * top to bottom by dagre (decisions/0030). Pure: the canvas, the editor and the simulator all
 * draw from it.
 */

export const ENTRY_NODE = '__entry';
export const NODE_WIDTH = 232;
export const NODE_HEIGHT = 96;
/** Send steps with their email figures (three more lines, on the journey page). */
export const SEND_NODE_HEIGHT = 144;
const ENTRY_HEIGHT = 64;

export type StepType = JourneyStep['type'];
export const STEP_TYPES: StepType[] = [
  'wait',
  'waitForEvent',
  'branch',
  'split',
  'send',
  'updateProfile',
  'webhook',
  'exit',
];

/** A way out of a step: which field of the step holds its target. */
export interface Outlet {
  /** `next`, `onEvent`, `onTimeout`, `otherwise`, `branch:<i>`, `path:<i>`. */
  handle: string;
  target: string | undefined;
  label?: { key: MessageKey; values?: Record<string, string | number> } | string;
}

export function outletsOf(step: JourneyStep): Outlet[] {
  switch (step.type) {
    case 'wait':
    case 'send':
    case 'updateProfile':
    case 'webhook':
      return [{ handle: 'next', target: step.next }];
    case 'waitForEvent':
      return [
        { handle: 'onEvent', target: step.onEvent, label: { key: 'edge.onEvent' } },
        { handle: 'onTimeout', target: step.onTimeout, label: { key: 'edge.onTimeout' } },
      ];
    case 'branch':
      return [
        ...step.branches.map((b, i) => ({
          handle: `branch:${i}`,
          target: b.next,
          label: { key: 'edge.branch' as const, values: { n: i + 1 } },
        })),
        { handle: 'otherwise', target: step.otherwise, label: { key: 'edge.otherwise' } },
      ];
    case 'split': {
      const total = step.paths.reduce((sum, p) => sum + (p.weight > 0 ? p.weight : 0), 0);
      return step.paths.map((p, i) => ({
        handle: `path:${i}`,
        target: p.next,
        label: total > 0 ? `${Math.round((100 * p.weight) / total)}%` : `#${i + 1}`,
      }));
    }
    case 'exit':
      return [];
  }
}

/** The step with one of its ways out pointed at `target` (undefined: the journey ends there). */
export function withOutlet(step: JourneyStep, handle: string, target: string | undefined): JourneyStep {
  const [kind, index] = handle.split(':');
  const i = Number(index);
  switch (step.type) {
    case 'waitForEvent':
      return kind === 'onEvent' ? { ...step, onEvent: target } : { ...step, onTimeout: target };
    case 'branch':
      return kind === 'otherwise'
        ? { ...step, otherwise: target }
        : { ...step, branches: step.branches.map((b, j) => (j === i ? { ...b, next: target } : b)) };
    case 'split':
      return { ...step, paths: step.paths.map((p, j) => (j === i ? { ...p, next: target } : p)) };
    case 'exit':
      return step;
    default:
      return { ...step, next: target };
  }
}

export interface GraphNode {
  id: string;
  step: JourneyStep | undefined;
  x: number;
  y: number;
  width: number;
  height: number;
  /** The step's ways out, left to right in the order of their targets on the canvas (fewer crossings). */
  handles: string[];
}

export interface GraphEdge {
  id: string;
  source: string;
  sourceHandle: string;
  target: string;
  label: Outlet['label'];
}

/** Nodes placed by dagre (top-left corners, as React Flow wants them) and their edges. */
export function layoutJourney(
  definition: Pick<JourneyDefinition, 'steps'>,
  /** Send steps show their email figures (the journey page): they are drawn taller. */
  emailFigures = false,
): {
  nodes: GraphNode[];
  edges: GraphEdge[];
} {
  const heightOf = (step: JourneyStep): number =>
    emailFigures && step.type === 'send' ? SEND_NODE_HEIGHT : NODE_HEIGHT;
  const steps = definition.steps;
  const ids = new Set(steps.map((s) => s.id));
  const edges: GraphEdge[] = [];
  if (steps[0]) {
    edges.push({
      id: `${ENTRY_NODE}->${steps[0].id}`,
      source: ENTRY_NODE,
      sourceHandle: 'next',
      target: steps[0].id,
      label: undefined,
    });
  }
  for (const step of steps) {
    for (const outlet of outletsOf(step)) {
      if (outlet.target !== undefined && ids.has(outlet.target)) {
        edges.push({
          id: `${step.id}:${outlet.handle}->${outlet.target}`,
          source: step.id,
          sourceHandle: outlet.handle,
          target: outlet.target,
          label: outlet.label,
        });
      }
    }
  }
  const g = new Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 48, ranksep: 64, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  g.setNode(ENTRY_NODE, { width: NODE_WIDTH, height: ENTRY_HEIGHT });
  const seen = new Set<string>();
  for (const step of steps) {
    // A duplicated id is the compiler's to report; draw the first.
    if (!seen.has(step.id)) {
      seen.add(step.id);
      g.setNode(step.id, { width: NODE_WIDTH, height: heightOf(step) });
    }
  }
  for (const edge of edges) {
    g.setEdge(edge.source, edge.target, {}, edge.id);
  }
  layout(g);
  // dagre's graph is untyped; after layout every node has its centre.
  const centre = (id: string): { x: number; y: number } => g.node(id) as { x: number; y: number };
  const place = (id: string, step: JourneyStep | undefined, height: number): GraphNode => {
    const n = centre(id);
    const targetX = (o: Outlet) => (o.target !== undefined && ids.has(o.target) ? centre(o.target).x : Infinity);
    const handles = step
      ? outletsOf(step)
          .map((o, i) => ({ o, i }))
          .sort((a, b) => targetX(a.o) - targetX(b.o) || a.i - b.i)
          .map(({ o }) => o.handle)
      : ['next'];
    return { id, step, x: n.x - NODE_WIDTH / 2, y: n.y - height / 2, width: NODE_WIDTH, height, handles };
  };
  const nodes = [place(ENTRY_NODE, undefined, ENTRY_HEIGHT)];
  const placed = new Set<string>();
  for (const step of steps) {
    if (!placed.has(step.id)) {
      placed.add(step.id);
      nodes.push(place(step.id, step, heightOf(step)));
    }
  }
  return { nodes, edges };
}

/** Steps an instance can rest in (a migration maps these). */
export function restingStepIds(definition: Pick<JourneyDefinition, 'steps'>): string[] {
  return definition.steps.filter((s) => s.type === 'wait' || s.type === 'waitForEvent').map((s) => s.id);
}
