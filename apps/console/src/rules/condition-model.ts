/**
 * The condition builder's model of Kizuna's one condition language (docs/conditions.md): a tree
 * of groups and rows that the form edits, read from the API's JSON form and written back to it.
 * `parseCondition(toJson(tree))` gives the same tree and `toJson(parseCondition(json))` the same
 * JSON for everything the API stores (its canonical form); what the form cannot show as fields
 * (a window of several units, a list holding commas...) stays a row of JSON, written back as read.
 *
 * The API validates: this model only shapes. A half-typed value is sent as typed and the API's
 * message, pinned to the row by its path (`pathsOf`), says what is wrong.
 */

export const OPERATORS = [
  'eq',
  'neq',
  'in',
  'notIn',
  'gt',
  'gte',
  'lt',
  'lte',
  'contains',
  'startsWith',
  'exists',
  'notExists',
  'within',
  'notWithin',
] as const;
export type Operator = (typeof OPERATORS)[number];

export type ConditionContext = 'segment' | 'journey';

/** How a field's value is typed in: the API compares text, numbers, true/false and ISO dates. */
export type ValueType = 'text' | 'number' | 'boolean' | 'date';

export const DURATION_UNITS = ['hours', 'days', 'weeks', 'months', 'years'] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number];
export interface DurationDraft {
  amount: string;
  unit: DurationUnit;
}

export type WindowDraft =
  | { kind: 'fixed'; duration: DurationDraft }
  | { kind: 'cycles'; cycles: string; fallback: DurationDraft; atLeast: DurationDraft | null };

interface NodeBase {
  id: string;
  /** Written as `{ "not": ... }` around the node. */
  negated: boolean;
}
export interface GroupNode extends NodeBase {
  kind: 'group';
  mode: 'all' | 'any';
  children: ConditionNode[];
}
export interface FieldNode extends NodeBase {
  kind: 'field';
  field: string;
  op: Operator;
  valueType: ValueType;
  /** The value as typed; a list is comma-separated. */
  value: string;
  window: WindowDraft;
}
export interface EventNode extends NodeBase {
  kind: 'event';
  event: string;
  atLeast: string;
  within: DurationDraft;
}
export interface SegmentNode extends NodeBase {
  kind: 'segment';
  segment: string;
}
/** A condition the form cannot show field by field: kept, and edited, as JSON. */
export interface JsonNode extends NodeBase {
  kind: 'json';
  json: string;
}
export type ConditionNode = GroupNode | FieldNode | EventNode | SegmentNode | JsonNode;

/** The builder's root: always a group; `implicit` when the API's condition was a single leaf. */
export interface ConditionTree {
  root: GroupNode;
  implicit: boolean;
}

// ---------------------------------------------------------------------------------------------
// Fields

export type FieldClass = 'text' | 'consent' | 'number' | 'date' | 'custom';

export const PROFILE_FIELDS = ['email', 'locale', 'timezone', 'emailConsent'] as const;
export const NUMBER_STATS = [
  'stats.ordersCount',
  'stats.revenue',
  'stats.averageOrderValue',
  'stats.daysSinceFirstOrder',
  'stats.daysSinceLastOrder',
] as const;
export const DATE_STATS = ['stats.firstOrderAt', 'stats.lastOrderAt'] as const;
export const CONSENT_VALUES = ['subscribed', 'unsubscribed', 'unknown'] as const;

export function fieldClass(field: string): FieldClass {
  if (field === 'emailConsent') {
    return 'consent';
  }
  if ((PROFILE_FIELDS as readonly string[]).includes(field)) {
    return 'text';
  }
  if ((NUMBER_STATS as readonly string[]).includes(field)) {
    return 'number';
  }
  if ((DATE_STATS as readonly string[]).includes(field)) {
    return 'date';
  }
  return 'custom';
}

/** The operators the form offers for a field (the API accepts every operator on every field). */
export function operatorsFor(field: string): readonly Operator[] {
  switch (fieldClass(field)) {
    case 'text':
      return ['eq', 'neq', 'in', 'notIn', 'contains', 'startsWith', 'exists', 'notExists'];
    case 'consent':
      return ['eq', 'neq', 'in', 'notIn', 'exists', 'notExists'];
    case 'number':
      return ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'notIn', 'exists', 'notExists'];
    case 'date':
      return ['within', 'notWithin', 'gt', 'gte', 'lt', 'lte', 'exists', 'notExists'];
    case 'custom':
      return OPERATORS;
  }
}

/** What an operator takes: nothing, one value, a list, or a window. */
export function valueShape(op: Operator): 'none' | 'one' | 'list' | 'window' {
  switch (op) {
    case 'exists':
    case 'notExists':
      return 'none';
    case 'in':
    case 'notIn':
      return 'list';
    case 'within':
    case 'notWithin':
      return 'window';
    default:
      return 'one';
  }
}

/** The value types the form offers for this field and operator; the first is the default. */
export function valueTypesFor(field: string, op: Operator): readonly ValueType[] {
  const cls = fieldClass(field);
  const ordering = op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte';
  if (op === 'startsWith') {
    return ['text'];
  }
  switch (cls) {
    case 'text':
    case 'consent':
      return ['text'];
    case 'number':
      return ['number'];
    case 'date':
      return ['date'];
    case 'custom':
      return ordering ? ['number', 'date'] : ['text', 'number', 'boolean'];
  }
}

// ---------------------------------------------------------------------------------------------
// Ids and new nodes

let sequence = 0;
export const newId = (): string => `c${++sequence}`;

export const emptyDuration = (): DurationDraft => ({ amount: '30', unit: 'days' });

export function newField(field = 'stats.ordersCount'): FieldNode {
  const op = operatorsFor(field)[0]!;
  return {
    kind: 'field',
    id: newId(),
    negated: false,
    field,
    op,
    valueType: valueTypesFor(field, op)[0]!,
    value: '',
    window: { kind: 'fixed', duration: emptyDuration() },
  };
}
export const newEvent = (): EventNode => ({
  kind: 'event',
  id: newId(),
  negated: false,
  event: '',
  atLeast: '1',
  within: emptyDuration(),
});
export const newSegment = (): SegmentNode => ({ kind: 'segment', id: newId(), negated: false, segment: '' });
export const newGroup = (mode: 'all' | 'any' = 'all', children: ConditionNode[] = []): GroupNode => ({
  kind: 'group',
  id: newId(),
  negated: false,
  mode,
  children,
});

export const emptyTree = (): ConditionTree => ({ root: newGroup('all'), implicit: false });

// ---------------------------------------------------------------------------------------------
// Durations

const UNIT_LETTER: Record<DurationUnit, string> = { hours: 'H', days: 'D', weeks: 'W', months: 'M', years: 'Y' };

export function durationToIso(d: DurationDraft): string {
  const amount = d.amount.trim();
  return d.unit === 'hours' ? `PT${amount}H` : `P${amount}${UNIT_LETTER[d.unit]}`;
}

/** A one-unit ISO-8601 duration (`P30D`, `PT12H`) as amount and unit; anything else undefined. */
export function parseDuration(iso: unknown): DurationDraft | undefined {
  if (typeof iso !== 'string') {
    return undefined;
  }
  const time = /^PT([1-9]\d*)H$/.exec(iso);
  if (time) {
    return { amount: time[1]!, unit: 'hours' };
  }
  const date = /^P([1-9]\d*)([DWMY])$/.exec(iso);
  if (!date) {
    return undefined;
  }
  const unit = DURATION_UNITS.find((u) => UNIT_LETTER[u] === date[2])!;
  return { amount: date[1]!, unit };
}

// ---------------------------------------------------------------------------------------------
// JSON -> tree

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const keysAre = (o: Record<string, Json>, ...keys: string[]) =>
  Object.keys(o).every((k) => keys.includes(k)) && keys.filter((k) => Object.hasOwn(o, k)).length > 0;

function scalarType(v: Json): ValueType | undefined {
  switch (typeof v) {
    case 'string':
      return 'text';
    case 'number':
      return Number.isFinite(v) ? 'number' : undefined;
    case 'boolean':
      return 'boolean';
    default:
      return undefined;
  }
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

const asJson = (json: Json, negated = false): JsonNode => ({
  kind: 'json',
  id: newId(),
  negated,
  json: JSON.stringify(json, null, 2),
});

/** A field leaf as form fields, when the form can show it exactly; else undefined. */
function fieldFromJson(o: Record<string, Json>): FieldNode | undefined {
  if (!keysAre(o, 'field', 'op', 'value') || typeof o.field !== 'string' || !OPERATORS.includes(o.op as Operator)) {
    return undefined;
  }
  const op = o.op as Operator;
  const node: FieldNode = { ...newField(o.field), field: o.field, op, value: '' };
  node.valueType = valueTypesFor(o.field, op)[0]!;
  const value = o.value;
  switch (valueShape(op)) {
    case 'none':
      return Object.hasOwn(o, 'value') ? undefined : node;
    case 'one': {
      const type = scalarType(value);
      if (!type) {
        return undefined;
      }
      // A text value in an ordering is an ISO date (the API accepts nothing else there).
      const shown: ValueType = type === 'text' && ['gt', 'gte', 'lt', 'lte'].includes(op) ? 'date' : type;
      if (shown === 'date' && !DATE_ONLY.test(String(value))) {
        return undefined;
      }
      if (!valueTypesFor(o.field, op).includes(shown)) {
        return undefined;
      }
      return { ...node, valueType: shown, value: String(value) };
    }
    case 'list': {
      if (!Array.isArray(value) || value.length === 0) {
        return undefined;
      }
      const types = new Set(value.map(scalarType));
      const type = [...types][0];
      if (types.size !== 1 || !type || !valueTypesFor(o.field, op).includes(type)) {
        return undefined;
      }
      const texts = value.map(String);
      // A comma or an edge space inside a value would not survive the comma-separated field.
      if (texts.some((t) => t.includes(',') || t.trim() !== t || t === '')) {
        return undefined;
      }
      return { ...node, valueType: type, value: texts.join(', ') };
    }
    case 'window': {
      const fixed = parseDuration(value);
      if (fixed) {
        return { ...node, window: { kind: 'fixed', duration: fixed } };
      }
      if (!isObject(value) || !keysAre(value, 'cycles', 'fallback', 'atLeast') || typeof value.cycles !== 'number') {
        return undefined;
      }
      const fallback = parseDuration(value.fallback);
      const atLeast = value.atLeast === undefined ? null : parseDuration(value.atLeast);
      if (!fallback || atLeast === undefined) {
        return undefined;
      }
      return { ...node, window: { kind: 'cycles', cycles: String(value.cycles), fallback, atLeast } };
    }
  }
}

function nodeFromJson(json: Json, negated: boolean): ConditionNode {
  if (!isObject(json)) {
    return asJson(json, negated);
  }
  if (keysAre(json, 'not') && Object.hasOwn(json, 'not')) {
    // `not` of `not` is shown as a negated group holding the negated inner condition.
    const inner = nodeFromJson(json.not, true);
    if (!negated) {
      return inner;
    }
    return { ...newGroup('all', [inner]), negated: true };
  }
  for (const mode of ['all', 'any'] as const) {
    if (keysAre(json, mode) && Array.isArray(json[mode]) && (json[mode] as Json[]).length > 0) {
      return {
        ...newGroup(
          mode,
          (json[mode] as Json[]).map((c) => nodeFromJson(c, false)),
        ),
        negated,
      };
    }
  }
  if (Object.hasOwn(json, 'field')) {
    const field = fieldFromJson(json);
    return field ? { ...field, negated } : asJson(json, negated);
  }
  if (
    keysAre(json, 'event', 'within', 'atLeast') &&
    typeof json.event === 'string' &&
    (json.atLeast === undefined || (typeof json.atLeast === 'number' && Number.isInteger(json.atLeast)))
  ) {
    const within = parseDuration(json.within);
    // The API's canonical form always has atLeast; without it the row would write it back.
    if (within && json.atLeast !== undefined) {
      return { ...newEvent(), event: json.event, atLeast: String(json.atLeast), within, negated };
    }
  }
  if (keysAre(json, 'inSegment') && typeof json.inSegment === 'string') {
    return { ...newSegment(), segment: json.inSegment, negated };
  }
  return asJson(json, negated);
}

/** The API's JSON form as the builder's tree (undefined or null: an empty builder). */
export function parseCondition(json: Json): ConditionTree {
  if (json === undefined || json === null) {
    return emptyTree();
  }
  const node = nodeFromJson(json, false);
  if (node.kind === 'group' && !node.negated) {
    return { root: node, implicit: false };
  }
  return { root: newGroup('all', [node]), implicit: true };
}

// ---------------------------------------------------------------------------------------------
// tree -> JSON

function typed(text: string, type: ValueType): Json {
  const trimmed = text.trim();
  switch (type) {
    case 'number':
      // Sent as typed when it is no number: the API then says "needs a number".
      return trimmed !== '' && Number.isFinite(Number(trimmed)) ? Number(trimmed) : text;
    case 'boolean':
      return trimmed === 'true' ? true : trimmed === 'false' ? false : text;
    case 'date':
    case 'text':
      return text;
  }
}

function windowToJson(w: WindowDraft): Json {
  if (w.kind === 'fixed') {
    return durationToIso(w.duration);
  }
  const cycles = Number(w.cycles.trim());
  return {
    cycles: w.cycles.trim() !== '' && Number.isFinite(cycles) ? cycles : w.cycles,
    fallback: durationToIso(w.fallback),
    ...(w.atLeast ? { atLeast: durationToIso(w.atLeast) } : {}),
  };
}

function leafToJson(node: Exclude<ConditionNode, GroupNode>): Json {
  switch (node.kind) {
    case 'field': {
      const shape = valueShape(node.op);
      const base = { field: node.field, op: node.op };
      switch (shape) {
        case 'none':
          return base;
        case 'one':
          return { ...base, value: typed(node.value, node.valueType) };
        case 'list':
          return {
            ...base,
            value: node.value
              .split(',')
              .map((v) => v.trim())
              .filter((v) => v !== '')
              .map((v) => typed(v, node.valueType)),
          };
        case 'window':
          return { ...base, value: windowToJson(node.window) };
      }
      break;
    }
    case 'event': {
      const atLeast = Number(node.atLeast.trim());
      return {
        event: node.event,
        within: durationToIso(node.within),
        atLeast: node.atLeast.trim() !== '' && Number.isFinite(atLeast) ? atLeast : node.atLeast,
      };
    }
    case 'segment':
      return { inSegment: node.segment };
    case 'json':
      try {
        return JSON.parse(node.json) as Json;
      } catch {
        return node.json;
      }
  }
}

function nodeToJson(node: ConditionNode): Json {
  const inner = node.kind === 'group' ? { [node.mode]: node.children.map(nodeToJson) } : leafToJson(node);
  return node.negated ? { not: inner } : inner;
}

/** The tree in the API's JSON form. */
export function toJson(tree: ConditionTree): Json {
  if (tree.implicit && tree.root.children.length === 1 && !tree.root.negated) {
    return nodeToJson(tree.root.children[0]!);
  }
  return nodeToJson(tree.root);
}

/**
 * Where each node sits in the JSON `toJson` writes, in the API's path notation (`all[1].not`,
 * relative to the condition): the API's validation messages name these paths, and the builder
 * pins each message to the row it is about.
 */
export function pathsOf(tree: ConditionTree): Map<string, string> {
  const paths = new Map<string, string>();
  const join = (base: string, key: string) => (base === '' ? key : `${base}.${key}`);
  const visit = (node: ConditionNode, at: string) => {
    paths.set(at, node.id);
    const inner = node.negated ? join(at, 'not') : at;
    if (node.negated) {
      paths.set(inner, node.id);
    }
    if (node.kind === 'group') {
      node.children.forEach((child, i) => visit(child, `${join(inner, node.mode)}[${i}]`));
    }
  };
  if (tree.implicit && tree.root.children.length === 1 && !tree.root.negated) {
    visit(tree.root.children[0]!, '');
  } else {
    visit(tree.root, '');
  }
  return paths;
}

/** The node an API issue path (`rule.all[1].value`) is about: the deepest node on it. */
export function nodeForIssue(paths: Map<string, string>, issuePath: string, prefix: string): string | undefined {
  if (prefix !== '' && issuePath !== prefix && !issuePath.startsWith(`${prefix}.`)) {
    return undefined;
  }
  let path = prefix === '' ? issuePath : issuePath.slice(prefix.length + 1);
  for (;;) {
    const found = paths.get(path);
    if (found) {
      return found;
    }
    const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
    if (cut <= 0) {
      return paths.get('');
    }
    path = path.slice(0, cut);
  }
}

// ---------------------------------------------------------------------------------------------
// Edits (immutable)

export function updateNode(
  tree: ConditionTree,
  id: string,
  change: (node: ConditionNode) => ConditionNode,
): ConditionTree {
  const walk = (node: ConditionNode): ConditionNode => {
    if (node.id === id) {
      return change(node);
    }
    return node.kind === 'group' ? { ...node, children: node.children.map(walk) } : node;
  };
  return { ...tree, root: walk(tree.root) as GroupNode };
}

export function removeNode(tree: ConditionTree, id: string): ConditionTree {
  const walk = (node: ConditionNode): ConditionNode =>
    node.kind === 'group' ? { ...node, children: node.children.filter((c) => c.id !== id).map(walk) } : node;
  return { ...tree, root: walk(tree.root) as GroupNode };
}

export function addChild(tree: ConditionTree, groupId: string, child: ConditionNode): ConditionTree {
  return updateNode(tree, groupId, (node) =>
    node.kind === 'group' ? { ...node, children: [...node.children, child] } : node,
  );
}
