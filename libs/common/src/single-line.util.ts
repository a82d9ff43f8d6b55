/**
 * For header values (and one-line log text) built from data: one line, however the data was
 * written. Line breaks, tabs and the Unicode line and paragraph separators become one space, so
 * no data can start a header of its own.
 */
export function singleLine(value: string): string {
  return value.replace(/[\r\n\t\u2028\u2029]+/g, ' ').trim();
}
