import {
  Background,
  Controls,
  Handle,
  MarkerType,
  Position,
  ReactFlow,
  useReactFlow,
  type Edge,
  type Node,
  type NodeProps,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo } from 'react';
import { useLanguage, type Translate } from '../i18n/i18n';
import { ENTRY_NODE, layoutJourney, type GraphEdge } from './journey-graph';
import { StepIcon } from './step-icon';
import type { JourneyDefinition, JourneyStep } from './use-journeys';

/**
 * The journey drawn as a graph (React Flow, laid out by dagre): the view on the journey page,
 * the canvas of the editor, the path of the simulator. Each step is a node with its type, its
 * id, a one-line summary and, when given, its live numbers; each node's title is a button, so
 * the graph is usable by keyboard and by role in the browser tests.
 */

export interface StepNumbers {
  entered: number;
  currentlyIn: number;
  /** A send step's email figures over the page's period, written out by the page (sent and rates; earned). */
  email?: string[];
}

export interface CanvasEditing {
  /** A way out of `source` (its `handle`) now leads to `target`. */
  onConnect: (source: string, handle: string, target: string) => void;
  onDisconnect: (source: string, handle: string) => void;
  onDelete: (stepId: string) => void;
}

interface StepNodeData extends Record<string, unknown> {
  step: JourneyStep | undefined;
  entry: string;
  numbers: StepNumbers | undefined;
  selected: boolean;
  visited: boolean;
  dimmed: boolean;
  problems: string[];
  handles: string[];
  onSelect: ((id: string) => void) | undefined;
}

type StepNode = Node<StepNodeData, 'step'>;

function summary(t: Translate, step: JourneyStep): string {
  switch (step.type) {
    case 'wait':
      return step.duration
        ? t('step.summary.duration', { duration: step.duration })
        : step.until
          ? t('step.summary.until', { time: step.until.time })
          : t('step.summary.untilDate', { field: step.untilDate?.property ?? step.untilDate?.attribute ?? '' });
    case 'waitForEvent':
      return t('step.summary.event', { event: step.event, timeout: step.timeout });
    case 'branch':
      return t('step.summary.branches', { count: step.branches.length });
    case 'split':
      return t('step.summary.paths', { count: step.paths.length });
    case 'send':
      return step.template;
    case 'updateProfile':
      return t('step.summary.set', { attribute: step.attribute });
    case 'webhook':
      return step.url;
    case 'exit':
      return '';
  }
}

function StepNodeView({ id, data }: NodeProps<StepNode>) {
  const { t, language } = useLanguage();
  const { step } = data;
  const classes = [
    'step-node',
    step ? `step-node-${step.type}` : 'step-node-entry',
    data.selected ? 'is-selected' : '',
    data.visited ? 'is-visited' : '',
    data.dimmed ? 'is-dimmed' : '',
    data.problems.length > 0 ? 'has-problem' : '',
  ]
    .filter(Boolean)
    .join(' ');
  const outlets = data.handles;
  const title = step ? step.id : t('journey.entry');
  const detail = step ? summary(t, step) : data.entry;
  return (
    <div className={classes}>
      {step && <Handle type="target" position={Position.Top} className="step-handle" />}
      <button
        type="button"
        className="step-node-title"
        disabled={!data.onSelect}
        aria-pressed={data.onSelect ? data.selected : undefined}
        onClick={() => data.onSelect?.(id)}
      >
        <StepIcon type={step?.type ?? 'entry'} />
        <span className="step-node-type">{step ? t(`step.${step.type}`) : t('journey.entry')}</span>
        {step && ' '}
        <span className="step-node-id ellipsis" title={title}>
          {step ? title : ''}
        </span>
      </button>
      {detail && (
        <p className="step-node-detail ellipsis" title={detail}>
          {detail}
        </p>
      )}
      {step && data.numbers && (
        <p className="step-node-numbers">
          <span>{t('journey.stepEntered', { count: data.numbers.entered.toLocaleString(language) })}</span>
          {(step.type === 'wait' || step.type === 'waitForEvent' || data.numbers.currentlyIn > 0) && (
            <span className={data.numbers.currentlyIn > 0 ? 'waiting' : undefined}>
              {t('journey.stepWaiting', { count: data.numbers.currentlyIn.toLocaleString(language) })}
            </span>
          )}
        </p>
      )}
      {step && data.numbers?.email && (
        <p className="step-node-email">
          {data.numbers.email.map((line) => (
            <span key={line} className="ellipsis" title={line}>
              {line}
            </span>
          ))}
        </p>
      )}
      {data.problems.length > 0 && (
        <p className="step-node-problem" title={data.problems.join('\n')}>
          {data.problems[0]}
        </p>
      )}
      {outlets.map((handle, i) => (
        <Handle
          key={handle}
          id={handle}
          type="source"
          position={Position.Bottom}
          className="step-handle"
          style={{ left: `${((i + 1) * 100) / (outlets.length + 1)}%` }}
        />
      ))}
    </div>
  );
}

const NODE_TYPES = { step: StepNodeView };

/** Keeps the whole graph in view as steps come and go. */
function FitOnChange({ shape }: { shape: string }) {
  const flow = useReactFlow();
  useEffect(() => {
    const frame = requestAnimationFrame(() => void flow.fitView({ padding: 0.15, maxZoom: 1 }));
    return () => cancelAnimationFrame(frame);
  }, [flow, shape]);
  return null;
}

function edgeLabel(t: Translate, label: GraphEdge['label']): string | undefined {
  if (label === undefined || typeof label === 'string') {
    return label;
  }
  return t(label.key, label.values);
}

export function JourneyCanvas(props: {
  definition: Pick<JourneyDefinition, 'steps' | 'entry'>;
  label: string;
  numbers?: Map<string, StepNumbers>;
  selected?: string;
  onSelect?: (id: string) => void;
  /** The simulator's path: steps and edges taken are drawn strong, the rest faint. */
  visited?: { steps: Set<string>; edges: Set<string> };
  problems?: Map<string, string[]>;
  editing?: CanvasEditing;
  /** Room on every send step for its email figures (StepNumbers.email). */
  emailFigures?: boolean;
}) {
  const { t } = useLanguage();
  const { definition, numbers, selected, onSelect, visited, problems, editing, emailFigures = false } = props;
  const entry = definition.entry;
  const entryText =
    'segment' in entry
      ? t('journey.entrySegment', { segment: entry.segment })
      : [entry.event].flat().join(', ') + (entry.key ? ` · ${entry.key}` : '');

  const { nodes, edges } = useMemo(() => {
    const graph = layoutJourney(definition, emailFigures);
    const nodes: StepNode[] = graph.nodes.map((n) => ({
      id: n.id,
      type: 'step',
      position: { x: n.x, y: n.y },
      width: n.width,
      height: n.height,
      draggable: false,
      selectable: n.id !== ENTRY_NODE && editing !== undefined,
      deletable: n.id !== ENTRY_NODE && editing !== undefined,
      ariaLabel: n.step ? `${t(`step.${n.step.type}`)} ${n.id}` : t('journey.entry'),
      data: {
        step: n.step,
        entry: entryText,
        numbers: numbers ? (numbers.get(n.id) ?? { entered: 0, currentlyIn: 0 }) : undefined,
        selected: selected === n.id,
        visited: visited ? n.id === ENTRY_NODE || visited.steps.has(n.id) : false,
        dimmed: visited ? n.id !== ENTRY_NODE && !visited.steps.has(n.id) : false,
        problems: problems?.get(n.id) ?? [],
        handles: n.handles,
        onSelect: n.step ? onSelect : undefined,
      },
    }));
    const edges: Edge[] = graph.edges.map((e) => {
      const taken = visited?.edges.has(`${e.source}->${e.target}`) ?? false;
      return {
        id: e.id,
        source: e.source,
        sourceHandle: e.sourceHandle,
        target: e.target,
        label: edgeLabel(t, e.label),
        className: taken ? 'edge-visited' : visited ? 'edge-dimmed' : undefined,
        animated: taken,
        deletable: editing !== undefined && e.source !== ENTRY_NODE,
        markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 },
        ariaLabel: t('canvas.edge', {
          source: e.source === ENTRY_NODE ? t('journey.entry') : e.source,
          target: e.target,
        }),
      };
    });
    return { nodes, edges };
  }, [definition, entryText, numbers, selected, onSelect, visited, problems, editing, emailFigures, t]);

  const shape = nodes.map((n) => n.id).join('|');
  return (
    <div
      className={emailFigures ? 'journey-canvas with-email-figures' : 'journey-canvas'}
      role="group"
      aria-label={props.label}
    >
      <ReactFlow<StepNode, Edge>
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        fitView
        fitViewOptions={{ padding: 0.15, maxZoom: 1 }}
        minZoom={0.2}
        nodesDraggable={false}
        nodesConnectable={editing !== undefined}
        elementsSelectable={editing !== undefined}
        deleteKeyCode={editing ? ['Delete', 'Backspace'] : null}
        onConnect={(c) => {
          if (editing && c.source !== ENTRY_NODE && c.target !== ENTRY_NODE && c.sourceHandle) {
            editing.onConnect(c.source, c.sourceHandle, c.target);
          }
        }}
        onNodesDelete={(deleted) => deleted.forEach((n) => editing?.onDelete(n.id))}
        onEdgesDelete={(deleted) =>
          deleted.forEach((e) => e.sourceHandle && editing?.onDisconnect(e.source, e.sourceHandle))
        }
        onNodeClick={(_, node) => node.id !== ENTRY_NODE && onSelect?.(node.id)}
        ariaLabelConfig={{
          'node.a11yDescription.default': t('canvas.nodeHelp'),
          'node.a11yDescription.keyboardDisabled': t('canvas.nodeHelp'),
          'edge.a11yDescription.default': t('canvas.edgeHelp'),
          'controls.ariaLabel': t('canvas.controls'),
          'controls.zoomIn.ariaLabel': t('canvas.zoomIn'),
          'controls.zoomOut.ariaLabel': t('canvas.zoomOut'),
          'controls.fitView.ariaLabel': t('canvas.fitView'),
          'handle.ariaLabel': t('canvas.handle'),
        }}
      >
        <Background gap={24} color="#dfe3ea" />
        <Controls showInteractive={false} />
        <FitOnChange shape={shape} />
      </ReactFlow>
    </div>
  );
}
