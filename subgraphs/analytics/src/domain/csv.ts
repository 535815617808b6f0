/**
 * CSV as RFC 4180 writes it: fields with a comma, quote or line break are quoted, quotes
 * doubled, lines ended by CRLF. A field a spreadsheet would run as a formula (`=`, `+`, `-`,
 * `@` first) is prefixed with `'`, except plain numbers (negative amounts stay numbers).
 */
const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^[=+\-@\t\r]/;
const NUMBER = /^-?\d+(\.\d+)?$/;

function csvField(value: string | number): string {
  let text = String(value);
  if (FORMULA_START.test(text) && !NUMBER.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}
