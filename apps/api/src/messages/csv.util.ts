/**
 * CSV as RFC 4180 writes it: fields separated by commas, records ended by CRLF, a field quoted
 * when it holds a comma, a quote, CR or LF, quotes inside doubled. And one guard RFC 4180 does
 * not know: a spreadsheet runs a cell starting with = + - @ (or a tab or CR before one) as a
 * formula (OWASP "CSV injection"); such text gets a leading apostrophe, which spreadsheets show
 * as text. Text in the log comes from customers and mail servers, so this is not hypothetical.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (typeof value === 'number') {
    return String(value);
  }
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: ReadonlyArray<string | number | null | undefined>): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

export const csvHeader = (columns: readonly string[]): string => csvRow(columns);
