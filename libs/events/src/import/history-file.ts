import { createReadStream, type ReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse as parseCsv } from 'csv-parse';
import type { ValidationIssue } from '@kizuna/common';
import type { EventCandidate } from '../event-ingest.service';
import { contentHash } from '../canonical-json';

/**
 * Reading shop history for `kizuna import` (docs/import.md): NDJSON of native events, and CSV of
 * customers, of orders, or Shopify's order export. Every row becomes native event candidates
 * with a key fixed by the row's identity (so a second import adds nothing), and a path naming
 * the file's line, so a rejected row can be reported where it is.
 */

export type HistoryFormat = 'ndjson' | 'customers-csv' | 'orders-csv' | 'shopify-orders-csv';

export const HISTORY_FORMATS: readonly HistoryFormat[] = [
  'ndjson',
  'customers-csv',
  'orders-csv',
  'shopify-orders-csv',
];

/** One row of the file (a Shopify order spans several lines) and the events it stands for. */
export interface HistoryRow {
  line: number;
  candidates: EventCandidate[];
}

/** Tells the format from the file's name and first line. */
export async function detectFormat(path: string): Promise<HistoryFormat | undefined> {
  const first = await firstLine(path);
  if (first === undefined) {
    return undefined;
  }
  if (first.trimStart().startsWith('{')) {
    return 'ndjson';
  }
  const header = first.split(',').map((h) => h.trim().replace(/^"|"$/g, '').toLowerCase());
  if (header.includes('lineitem name') && header.includes('name')) {
    return 'shopify-orders-csv';
  }
  if (header.includes('orderid')) {
    return 'orders-csv';
  }
  if (header.includes('customerid') || header.includes('email')) {
    return 'customers-csv';
  }
  return undefined;
}

async function firstLine(path: string): Promise<string | undefined> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    lines.close();
    return line.replace(/^\uFEFF/, '');
  }
  return undefined;
}

/** `onBytes`: told how many bytes of the file have been read, for a progress bar. */
export async function* readHistory(
  path: string,
  format: HistoryFormat,
  onBytes: (bytesRead: number) => void = () => undefined,
): AsyncGenerator<HistoryRow> {
  const open = (): ReadStream => {
    const stream = createReadStream(path);
    stream.on('data', () => onBytes(stream.bytesRead));
    return stream;
  };
  switch (format) {
    case 'ndjson':
      yield* readNdjson(open());
      return;
    case 'customers-csv':
      for await (const { line, record } of readCsv(open())) {
        yield { line, candidates: [customerRow(record, line)] };
      }
      return;
    case 'orders-csv':
      for await (const { line, record } of readCsv(open())) {
        yield { line, candidates: orderRow(record, line) };
      }
      return;
    case 'shopify-orders-csv':
      yield* readShopifyOrders(open());
      return;
  }
}

async function* readNdjson(input: ReadStream): AsyncGenerator<HistoryRow> {
  const lines = createInterface({ input: input.setEncoding('utf8'), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') {
      continue;
    }
    let input: unknown;
    try {
      input = JSON.parse(line === 1 ? text.replace(/^\uFEFF/, '') : text);
    } catch (error) {
      yield { line, candidates: [problem(line, `not JSON: ${(error as Error).message}`)] };
      continue;
    }
    yield { line, candidates: [{ input, path: `line ${line}` }] };
  }
}

type CsvRecord = Record<string, string>;

async function* readCsv(input: ReadStream): AsyncGenerator<{ line: number; record: CsvRecord }> {
  const parser = input.pipe(
    parseCsv({ columns: true, bom: true, skip_empty_lines: true, trim: true, info: true, relax_column_count: true }),
  );
  for await (const row of parser as AsyncIterable<{ record: CsvRecord; info: { lines: number } }>) {
    yield { line: row.info.lines, record: row.record };
  }
}

/** Cells by name, case-insensitively; an empty cell is no value. */
function cell(record: CsvRecord, ...names: string[]): string | undefined {
  for (const name of names) {
    for (const [key, value] of Object.entries(record)) {
      if (key.toLowerCase() === name.toLowerCase() && value !== '') {
        return value;
      }
    }
  }
  return undefined;
}

/** Columns with a meaning of their own in customers.csv; any other column is a profile attribute. */
const CUSTOMER_COLUMNS = new Set(['customerid', 'email', 'createdat', 'locale', 'timezone', 'emailconsent']);

/**
 * A customers.csv row: the profile as of `createdAt` (else the import's time), as a
 * `customer.identified` event. Its key carries the row's content, so a changed profile in a later
 * export is applied and an unchanged one is a duplicate.
 */
function customerRow(record: CsvRecord, line: number): EventCandidate {
  const customerId = cell(record, 'customerId');
  const email = cell(record, 'email');
  const traits: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value !== '' && !CUSTOMER_COLUMNS.has(key.toLowerCase())) {
      traits[key] = value;
    }
  }
  for (const [key, column] of [
    ['locale', 'locale'],
    ['timezone', 'timezone'],
    ['emailConsent', 'emailConsent'],
    ['email', 'email'],
  ] as const) {
    const value = cell(record, column);
    if (value !== undefined) {
      traits[key] = value;
    }
  }
  const timestamp = isoOrUndefined(cell(record, 'createdAt'));
  const identity = customerId ?? email ?? '';
  return {
    path: `line ${line}`,
    input: {
      name: 'customer.identified',
      ...(customerId !== undefined ? { customerId } : {}),
      ...(email !== undefined ? { email } : {}),
      ...(timestamp !== undefined ? { timestamp } : {}),
      messageId: `customer:${identity}:${contentHash(record).toString('hex').slice(0, 16)}`,
      traits,
    },
  };
}

/**
 * An orders.csv row: `order.placed`, and `order.refunded` / `order.cancelled` when the row says
 * so. Keys are the order's id: the same order imported twice counts once.
 */
function orderRow(record: CsvRecord, line: number): EventCandidate[] {
  const orderId = cell(record, 'orderId');
  const customerId = cell(record, 'customerId');
  const email = cell(record, 'email');
  const placedAt = isoOrUndefined(cell(record, 'placedAt', 'createdAt'));
  const currency = cell(record, 'currency');
  const path = `line ${line}`;
  const who = { ...(customerId !== undefined ? { customerId } : {}), ...(email !== undefined ? { email } : {}) };
  const issues: ValidationIssue[] = [];
  const total = amount(cell(record, 'total'), `${path}.total`, issues);
  const refunded = amount(cell(record, 'refundedTotal', 'refunded'), `${path}.refundedTotal`, issues);
  if (placedAt === undefined) {
    issues.push({ path: `${path}.placedAt`, message: 'is required: an ISO-8601 date-time with a time zone' });
  }
  if (issues.length > 0 || orderId === undefined) {
    return [
      {
        input: {},
        path,
        issues: orderId === undefined ? [...issues, { path: `${path}.orderId`, message: 'is required' }] : issues,
      },
    ];
  }
  const events: EventCandidate[] = [
    {
      path,
      input: {
        name: 'order.placed',
        ...who,
        messageId: `order:${orderId}`,
        timestamp: placedAt,
        properties: { orderId, total, currency },
      },
    },
  ];
  if (refunded !== undefined && refunded > 0) {
    events.push({
      path,
      input: {
        name: 'order.refunded',
        ...who,
        messageId: `order:${orderId}:refund`,
        timestamp: isoOrUndefined(cell(record, 'refundedAt')) ?? placedAt,
        properties: { orderId, total: refunded, currency },
      },
    });
  }
  const cancelledAt = isoOrUndefined(cell(record, 'cancelledAt'));
  if (cancelledAt !== undefined) {
    events.push({
      path,
      input: {
        name: 'order.cancelled',
        ...who,
        messageId: `order:${orderId}:cancel`,
        timestamp: cancelledAt,
        properties: { orderId },
      },
    });
  }
  return events;
}

/**
 * Shopify's order export (Admin → Orders → Export, CSV for Excel or plain CSV): one line per line
 * item, the order's own columns on its first line. Consecutive lines of one `Name` are one order.
 */
async function* readShopifyOrders(input: ReadStream): AsyncGenerator<HistoryRow> {
  let pending: { line: number; rows: CsvRecord[] } | undefined;
  for await (const { line, record } of readCsv(input)) {
    const name = cell(record, 'Name');
    if (pending && cell(pending.rows[0]!, 'Name') === name) {
      pending.rows.push(record);
      continue;
    }
    if (pending) {
      yield { line: pending.line, candidates: shopifyOrder(pending.rows, pending.line) };
    }
    pending = { line, rows: [record] };
  }
  if (pending) {
    yield { line: pending.line, candidates: shopifyOrder(pending.rows, pending.line) };
  }
}

function shopifyOrder(rows: CsvRecord[], line: number): EventCandidate[] {
  const first = rows[0]!;
  const items = rows.flatMap((row, i) => {
    const name = cell(row, 'Lineitem name');
    if (name === undefined) {
      return [];
    }
    return [
      {
        id: cell(row, 'Lineitem sku') ?? `${cell(first, 'Name') ?? ''}-${i + 1}`,
        name,
        price: Number(cell(row, 'Lineitem price') ?? 0),
        quantity: Number(cell(row, 'Lineitem quantity') ?? 1),
      },
    ];
  });
  const record: CsvRecord = {
    orderId: cell(first, 'Id') ?? cell(first, 'Name') ?? '',
    email: cell(first, 'Email') ?? '',
    placedAt: shopifyTime(cell(first, 'Created at')) ?? '',
    total: cell(first, 'Total') ?? '',
    currency: cell(first, 'Currency') ?? '',
    refundedTotal: cell(first, 'Refunded Amount') ?? '',
    cancelledAt: shopifyTime(cell(first, 'Cancelled at')) ?? '',
  };
  const events = orderRow(record, line);
  const placed = events[0]!.input as { properties?: Record<string, unknown> };
  if (placed.properties) {
    placed.properties.items = items;
    placed.properties.name = cell(first, 'Name');
  }
  return events;
}

/** Shopify writes `2024-03-05 14:07:31 +0900`; native events take ISO-8601 with a zone. */
function shopifyTime(text: string | undefined): string | undefined {
  const match = text?.match(/^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) ([+-]\d{2})(\d{2})$/);
  return match ? `${match[1]}T${match[2]}${match[3]}:${match[4]}` : text;
}

function isoOrUndefined(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}

function amount(text: string | undefined, path: string, issues: ValidationIssue[]): number | undefined {
  if (text === undefined) {
    return undefined;
  }
  const value = Number(text.replace(/,/g, ''));
  if (!Number.isFinite(value)) {
    issues.push({ path, message: `is not a number: ${JSON.stringify(text)}` });
    return undefined;
  }
  return value;
}

function problem(line: number, message: string): EventCandidate {
  return { input: {}, path: `line ${line}`, issues: [{ path: `line ${line}`, message }] };
}
