import { useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { useT, type Translate } from '../i18n/i18n';
import {
  addChild,
  CONSENT_VALUES,
  DATE_STATS,
  DURATION_UNITS,
  emptyDuration,
  fieldClass,
  newEvent,
  newField,
  newGroup,
  newSegment,
  nodeForIssue,
  NUMBER_STATS,
  operatorsFor,
  parseCondition,
  pathsOf,
  PROFILE_FIELDS,
  removeNode,
  toJson,
  updateNode,
  valueShape,
  valueTypesFor,
  type ConditionContext,
  type ConditionNode,
  type ConditionTree,
  type DurationDraft,
  type EventNode,
  type FieldNode,
  type GroupNode,
  type Operator,
  type ValueType,
} from './condition-model';
import '../ui/controls.css';
import './rules.css';

/** A validation message of the API (`details.issues`), in its path notation. */
export interface ConditionIssue {
  path: string;
  message: string;
}

/** Events every shop sends, offered as suggestions (any name may be typed). */
const KNOWN_EVENTS = [
  'order.placed',
  'order.refunded',
  'cart.updated',
  'checkout.started',
  'product.viewed',
  'email.opened',
  'email.clicked',
  'nps.responded',
];

/** True when the JSON holds no condition yet (a new builder's empty group). */
export function isEmptyCondition(json: unknown): boolean {
  return typeof json === 'object' && json !== null && 'all' in json && Array.isArray(json.all) && json.all.length === 0;
}

interface Shared {
  t: Translate;
  context: ConditionContext;
  readOnly: boolean;
  /** Rows and groups numbered in reading order: the numbers in their labels. */
  numbers: Map<string, number>;
  issues: Map<string, string[]>;
  listIds: { events: string; segments: string };
  change: (id: string, to: (node: ConditionNode) => ConditionNode) => void;
  remove: (id: string) => void;
  add: (groupId: string, child: ConditionNode) => void;
}

/**
 * The visual editor of Kizuna's one condition language (docs/conditions.md), for segment rules
 * and journey conditions alike: groups (all / any / none / not all) of rows (a field, an operator
 * and the input that operator needs; an event done; a segment), and the same condition as the
 * API's JSON, editable. `value` is the API's JSON form; every edit calls `onChange` with it.
 * `issues` are the API's validation messages; `issuePrefix` is where the condition sits in the
 * request body (`rule` for a segment), so each message is shown at its row.
 */
export function ConditionBuilder(props: {
  label: string;
  value: unknown;
  onChange: (json: unknown) => void;
  context: ConditionContext;
  segments?: string[];
  issues?: ConditionIssue[];
  issuePrefix?: string;
  readOnly?: boolean;
}) {
  const { label, value, onChange, context, segments = [], issues = [], issuePrefix = 'rule', readOnly = false } = props;
  const t = useT();
  const [tree, setTree] = useState<ConditionTree>(() => parseCondition(value));
  const [mode, setMode] = useState<'form' | 'json'>('form');
  const [text, setText] = useState(() => JSON.stringify(toJson(tree), null, 2));
  const [textError, setTextError] = useState<string | null>(null);
  const emitted = useRef(JSON.stringify(value));
  const baseId = useId();

  // A new value from outside (another condition loaded): read it; our own echo is ignored.
  useEffect(() => {
    const json = JSON.stringify(value);
    if (json !== emitted.current) {
      emitted.current = json;
      const next = parseCondition(value);
      setTree(next);
      setText(JSON.stringify(toJson(next), null, 2));
      setTextError(null);
    }
  }, [value]);

  const commit = (next: ConditionTree) => {
    setTree(next);
    const json = toJson(next);
    emitted.current = JSON.stringify(json);
    setText(JSON.stringify(json, null, 2));
    setTextError(null);
    onChange(json);
  };

  const numbers = useMemo(() => {
    const out = new Map<string, number>();
    let rows = 0;
    let groups = 0;
    const visit = (n: ConditionNode) => {
      if (n.kind === 'group') {
        out.set(n.id, ++groups);
        n.children.forEach(visit);
      } else {
        out.set(n.id, ++rows);
      }
    };
    visit(tree.root);
    return out;
  }, [tree]);

  const pinned = useMemo(() => {
    const paths = pathsOf(tree);
    const byNode = new Map<string, string[]>();
    const loose: string[] = [];
    for (const issue of issues) {
      const id = nodeForIssue(paths, issue.path, issuePrefix);
      if (id) {
        byNode.set(id, [...(byNode.get(id) ?? []), issue.message]);
      } else if (issue.path.startsWith(issuePrefix)) {
        loose.push(issue.message);
      }
    }
    return { byNode, loose };
  }, [tree, issues, issuePrefix]);

  const shared: Shared = {
    t,
    context,
    readOnly,
    numbers,
    issues: pinned.byNode,
    listIds: { events: `${baseId}-events`, segments: `${baseId}-segments` },
    change: (id, to) => commit(updateNode(tree, id, to)),
    remove: (id) => commit(removeNode(tree, id)),
    add: (groupId, child) => commit(addChild(tree, groupId, child)),
  };

  const editText = (next: string) => {
    setText(next);
    try {
      const parsed = JSON.parse(next) as unknown;
      const nextTree = parseCondition(parsed);
      setTree(nextTree);
      emitted.current = JSON.stringify(parsed);
      setTextError(null);
      onChange(parsed);
    } catch (error) {
      setTextError(error instanceof Error ? error.message : String(error));
    }
  };

  return (
    <fieldset className="condition-builder">
      <legend>{label}</legend>
      <div className="cb-toolbar">
        <div className="segmented" role="group" aria-label={t('rules.editAs')}>
          {(['form', 'json'] as const).map((m) => (
            <button
              key={m}
              type="button"
              className="segmented-option"
              aria-pressed={mode === m}
              onClick={() => setMode(m)}
            >
              {t(m === 'form' ? 'rules.form' : 'rules.json')}
            </button>
          ))}
        </div>
      </div>
      {pinned.loose.map((message) => (
        <p key={message} className="cb-issue">
          {message}
        </p>
      ))}
      {mode === 'form' ? (
        <GroupEditor node={tree.root} root shared={shared} />
      ) : (
        <div className="field">
          <label htmlFor={`${baseId}-json`}>{t('rules.jsonLabel', { label })}</label>
          <textarea
            id={`${baseId}-json`}
            className="source"
            rows={14}
            spellCheck={false}
            readOnly={readOnly}
            value={text}
            aria-invalid={textError ? true : undefined}
            aria-describedby={`${baseId}-json-hint`}
            onChange={(e) => editText(e.target.value)}
          />
          <p id={`${baseId}-json-hint`} className={textError ? 'cb-issue' : 'hint'}>
            {textError ? t('rules.jsonInvalid', { message: textError }) : t('rules.jsonHint')}
          </p>
        </div>
      )}
      <datalist id={shared.listIds.events}>
        {KNOWN_EVENTS.map((e) => (
          <option key={e} value={e} />
        ))}
      </datalist>
      <datalist id={shared.listIds.segments}>
        {segments.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
    </fieldset>
  );
}

type GroupMode = 'all' | 'any' | 'none' | 'notAll';
const modeOf = (g: GroupNode): GroupMode =>
  g.negated ? (g.mode === 'any' ? 'none' : 'notAll') : g.mode === 'any' ? 'any' : 'all';

function GroupEditor({ node, root, shared }: { node: GroupNode; root?: boolean; shared: Shared }) {
  const { t, readOnly } = shared;
  const n = shared.numbers.get(node.id)!;
  const issues = shared.issues.get(node.id);
  const setMode = (mode: GroupMode) =>
    shared.change(node.id, (g) => ({
      ...g,
      mode: mode === 'any' || mode === 'none' ? 'any' : 'all',
      negated: mode === 'none' || mode === 'notAll',
    }));
  return (
    <div className={root ? 'cb-group cb-root' : 'cb-group'}>
      <div className="cb-group-head">
        <select
          aria-label={t('rules.groupMode', { n })}
          value={modeOf(node)}
          disabled={readOnly}
          onChange={(e) => setMode(e.target.value as GroupMode)}
        >
          {(['all', 'any', 'none', 'notAll'] as const).map((m) => (
            <option key={m} value={m}>
              {t(`rules.group.${m}`)}
            </option>
          ))}
        </select>
        {!root && !readOnly && (
          <button type="button" className="button button-small cb-remove" onClick={() => shared.remove(node.id)}>
            {t('rules.removeGroup', { n })}
          </button>
        )}
      </div>
      {node.children.length === 0 && <p className="hint">{t('rules.empty')}</p>}
      <ul className="cb-children">
        {node.children.map((child) => (
          <li key={child.id}>
            {child.kind === 'group' ? (
              <GroupEditor node={child} shared={shared} />
            ) : (
              <RowEditor node={child} shared={shared} />
            )}
          </li>
        ))}
      </ul>
      {issues?.map((m) => (
        <p key={m} className="cb-issue">
          {m}
        </p>
      ))}
      {!readOnly && (
        <div className="cb-add">
          <button
            type="button"
            className="button button-small"
            aria-label={root ? undefined : t('rules.addConditionTo', { n })}
            onClick={() => shared.add(node.id, newField())}
          >
            {t('rules.addCondition')}
          </button>
          <button
            type="button"
            className="button button-small"
            aria-label={root ? undefined : t('rules.addGroupTo', { n })}
            onClick={() => shared.add(node.id, newGroup('any', [newField()]))}
          >
            {t('rules.addGroup')}
          </button>
        </div>
      )}
    </div>
  );
}

/** The subject select's value for a row: a fixed field, a custom root, or a row kind. */
function subjectOf(node: Exclude<ConditionNode, GroupNode>): string {
  switch (node.kind) {
    case 'field':
      return fieldClass(node.field) === 'custom' ? node.field.split('.')[0]! : node.field;
    case 'event':
      return '@event';
    case 'segment':
      return '@segment';
    case 'json':
      return '@json';
  }
}

function RowEditor({ node, shared }: { node: Exclude<ConditionNode, GroupNode>; shared: Shared }) {
  const { t, context, readOnly } = shared;
  const n = shared.numbers.get(node.id)!;
  const issues = shared.issues.get(node.id);
  const subject = subjectOf(node);
  const setSubject = (next: string) =>
    shared.change(node.id, (old) => {
      const keep = { id: old.id, negated: old.negated };
      if (next === '@event') {
        return { ...newEvent(), ...keep };
      }
      if (next === '@segment') {
        return { ...newSegment(), ...keep };
      }
      if (next === 'attributes' || next === 'event') {
        return { ...newField(`${next}.`), ...keep };
      }
      return { ...newField(next), ...keep };
    });
  const field = (key: string) => t(`rules.field.${key}` as Parameters<Translate>[0]);
  return (
    <div className={issues ? 'cb-row cb-row-invalid' : 'cb-row'}>
      <div className="cb-row-main">
        <button
          type="button"
          className="cb-not"
          aria-pressed={node.negated}
          aria-label={t('rules.negate', { n })}
          disabled={readOnly}
          onClick={() => shared.change(node.id, (old) => ({ ...old, negated: !old.negated }))}
        >
          {t('rules.not')}
        </button>
        <select
          aria-label={t('rules.subject', { n })}
          value={subject}
          disabled={readOnly}
          onChange={(e) => setSubject(e.target.value)}
        >
          <optgroup label={t('rules.group.profile')}>
            {PROFILE_FIELDS.map((f) => (
              <option key={f} value={f}>
                {field(f)}
              </option>
            ))}
          </optgroup>
          <optgroup label={t('rules.group.stats')}>
            {[...NUMBER_STATS, ...DATE_STATS].map((f) => (
              <option key={f} value={f}>
                {field(f)}
              </option>
            ))}
          </optgroup>
          <optgroup label={t('rules.group.custom')}>
            <option value="attributes">{field('attributes')}</option>
            {context === 'journey' && <option value="event">{field('event')}</option>}
          </optgroup>
          <optgroup label={t('rules.group.behaviour')}>
            <option value="@event">{field('@event')}</option>
            {context === 'journey' && <option value="@segment">{field('@segment')}</option>}
          </optgroup>
          {node.kind === 'json' && <option value="@json">{field('@json')}</option>}
          {node.kind === 'segment' && context !== 'journey' && <option value="@segment">{field('@segment')}</option>}
        </select>
        {node.kind === 'field' && <FieldInputs node={node} n={n} shared={shared} />}
        {node.kind === 'event' && <EventInputs node={node} n={n} shared={shared} />}
        {node.kind === 'segment' && (
          <input
            aria-label={t('rules.segmentKey', { n })}
            list={shared.listIds.segments}
            value={node.segment}
            readOnly={readOnly}
            onChange={(e) => shared.change(node.id, (old) => ({ ...old, segment: e.target.value }))}
          />
        )}
        {!readOnly && (
          <button
            type="button"
            className="cb-icon-button"
            aria-label={t('rules.remove', { n })}
            title={t('rules.remove', { n })}
            onClick={() => shared.remove(node.id)}
          >
            ×
          </button>
        )}
      </div>
      {node.kind === 'json' && (
        <textarea
          aria-label={t('rules.jsonRow', { n })}
          className="source"
          rows={Math.min(10, node.json.split('\n').length)}
          spellCheck={false}
          readOnly={readOnly}
          value={node.json}
          onChange={(e) => shared.change(node.id, (old) => ({ ...old, json: e.target.value }))}
        />
      )}
      {issues?.map((m) => (
        <p key={m} className="cb-issue">
          {m}
        </p>
      ))}
    </div>
  );
}

function FieldInputs({ node, n, shared }: { node: FieldNode; n: number; shared: Shared }) {
  const { t, readOnly } = shared;
  const set = (to: Partial<FieldNode>) => shared.change(node.id, (old) => ({ ...(old as FieldNode), ...to }));
  const custom = fieldClass(node.field) === 'custom';
  const root = node.field.split('.')[0]!;
  const ops = operatorsFor(node.field);
  const types = valueTypesFor(node.field, node.op);
  const shape = valueShape(node.op);
  const setOp = (op: Operator) => {
    const nextTypes = valueTypesFor(node.field, op);
    set({ op, valueType: nextTypes.includes(node.valueType) ? node.valueType : nextTypes[0]! });
  };
  return (
    <>
      {custom && (
        <input
          className="cb-path"
          aria-label={t(root === 'event' ? 'rules.path.event' : 'rules.path.attributes', { n })}
          placeholder={t('rules.pathPlaceholder')}
          value={node.field.slice(root.length + 1)}
          readOnly={readOnly}
          onChange={(e) => set({ field: `${root}.${e.target.value}` })}
        />
      )}
      <select
        aria-label={t('rules.operator', { n })}
        value={node.op}
        disabled={readOnly}
        onChange={(e) => setOp(e.target.value as Operator)}
      >
        {[...new Set([...ops, node.op])].map((op) => (
          <option key={op} value={op}>
            {t(`rules.op.${op}`)}
          </option>
        ))}
      </select>
      {shape === 'one' && <ValueInput node={node} n={n} shared={shared} />}
      {shape === 'list' && (
        <input
          aria-label={t('rules.value', { n })}
          placeholder={t('rules.listPlaceholder')}
          value={node.value}
          readOnly={readOnly}
          onChange={(e) => set({ value: e.target.value })}
        />
      )}
      {(shape === 'one' || shape === 'list') && types.length > 1 && (
        <select
          aria-label={t('rules.valueType', { n })}
          value={node.valueType}
          disabled={readOnly}
          onChange={(e) => set({ valueType: e.target.value as ValueType })}
        >
          {types.map((type) => (
            <option key={type} value={type}>
              {t(`rules.type.${type}`)}
            </option>
          ))}
        </select>
      )}
      {shape === 'window' && <WindowInputs node={node} n={n} shared={shared} />}
    </>
  );
}

function ValueInput({ node, n, shared }: { node: FieldNode; n: number; shared: Shared }) {
  const { t, readOnly } = shared;
  const label = t('rules.value', { n });
  const set = (value: string) => shared.change(node.id, (old) => ({ ...(old as FieldNode), value }));
  if (fieldClass(node.field) === 'consent') {
    return (
      <select aria-label={label} value={node.value} disabled={readOnly} onChange={(e) => set(e.target.value)}>
        <option value="" />
        {CONSENT_VALUES.map((v) => (
          <option key={v} value={v}>
            {t(`rules.consent.${v}`)}
          </option>
        ))}
      </select>
    );
  }
  if (node.valueType === 'boolean') {
    return (
      <select aria-label={label} value={node.value} disabled={readOnly} onChange={(e) => set(e.target.value)}>
        <option value="" />
        <option value="true">{t('rules.true')}</option>
        <option value="false">{t('rules.false')}</option>
      </select>
    );
  }
  return (
    <input
      aria-label={label}
      type={node.valueType === 'number' ? 'number' : node.valueType === 'date' ? 'date' : 'text'}
      step={node.valueType === 'number' ? 'any' : undefined}
      className={node.valueType === 'number' ? 'cb-number' : undefined}
      value={node.value}
      readOnly={readOnly}
      onChange={(e) => set(e.target.value)}
    />
  );
}

function DurationInputs(props: {
  value: DurationDraft;
  onChange: (d: DurationDraft) => void;
  amountLabel: string;
  unitLabel: string;
  readOnly: boolean;
  t: Translate;
}): ReactNode {
  const { value, onChange, amountLabel, unitLabel, readOnly, t } = props;
  return (
    <>
      <input
        aria-label={amountLabel}
        type="number"
        min={1}
        className="cb-number"
        value={value.amount}
        readOnly={readOnly}
        onChange={(e) => onChange({ ...value, amount: e.target.value })}
      />
      <select
        aria-label={unitLabel}
        value={value.unit}
        disabled={readOnly}
        onChange={(e) => onChange({ ...value, unit: e.target.value as DurationDraft['unit'] })}
      >
        {DURATION_UNITS.map((u) => (
          <option key={u} value={u}>
            {t(`rules.unit.${u}`)}
          </option>
        ))}
      </select>
    </>
  );
}

function WindowInputs({ node, n, shared }: { node: FieldNode; n: number; shared: Shared }) {
  const { t, readOnly } = shared;
  const w = node.window;
  const set = (window: FieldNode['window']) => shared.change(node.id, (old) => ({ ...(old as FieldNode), window }));
  return (
    <>
      <select
        aria-label={t('rules.windowKind', { n })}
        value={w.kind}
        disabled={readOnly}
        onChange={(e) =>
          set(
            e.target.value === 'cycles'
              ? { kind: 'cycles', cycles: '2', fallback: { amount: '90', unit: 'days' }, atLeast: null }
              : { kind: 'fixed', duration: emptyDuration() },
          )
        }
      >
        <option value="fixed">{t('rules.window.fixed')}</option>
        <option value="cycles">{t('rules.window.cycles')}</option>
      </select>
      {w.kind === 'fixed' ? (
        <DurationInputs
          t={t}
          readOnly={readOnly}
          value={w.duration}
          amountLabel={t('rules.amount', { n })}
          unitLabel={t('rules.unit', { n })}
          onChange={(duration) => set({ ...w, duration })}
        />
      ) : (
        <>
          <input
            aria-label={t('rules.cycles', { n })}
            type="number"
            min={0.1}
            step="any"
            className="cb-number"
            value={w.cycles}
            readOnly={readOnly}
            onChange={(e) => set({ ...w, cycles: e.target.value })}
          />
          <span className="cb-text">{t('rules.cyclesText')}</span>
          <DurationInputs
            t={t}
            readOnly={readOnly}
            value={w.fallback}
            amountLabel={t('rules.fallback', { n })}
            unitLabel={t('rules.fallbackUnit', { n })}
            onChange={(fallback) => set({ ...w, fallback })}
          />
          <span className="cb-text">{t('rules.atLeastText')}</span>
          <DurationInputs
            t={t}
            readOnly={readOnly}
            value={w.atLeast ?? { amount: '', unit: 'days' }}
            amountLabel={t('rules.atLeast', { n })}
            unitLabel={t('rules.atLeastUnit', { n })}
            onChange={(atLeast) => set({ ...w, atLeast: atLeast.amount.trim() === '' ? null : atLeast })}
          />
        </>
      )}
    </>
  );
}

function EventInputs({ node, n, shared }: { node: EventNode; n: number; shared: Shared }) {
  const { t, readOnly } = shared;
  const set = (to: Partial<EventNode>) => shared.change(node.id, (old) => ({ ...(old as EventNode), ...to }));
  return (
    <>
      <input
        aria-label={t('rules.eventName', { n })}
        list={shared.listIds.events}
        value={node.event}
        readOnly={readOnly}
        onChange={(e) => set({ event: e.target.value })}
      />
      <input
        aria-label={t('rules.eventTimes', { n })}
        type="number"
        min={1}
        className="cb-number"
        value={node.atLeast}
        readOnly={readOnly}
        onChange={(e) => set({ atLeast: e.target.value })}
      />
      <span className="cb-text">{t('rules.eventTimesText')}</span>
      <DurationInputs
        t={t}
        readOnly={readOnly}
        value={node.within}
        amountLabel={t('rules.amount', { n })}
        unitLabel={t('rules.unit', { n })}
        onChange={(within) => set({ within })}
      />
    </>
  );
}
