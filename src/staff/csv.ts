/**
 * CSV for the office's spreadsheet: UTF-8 with a BOM (Excel otherwise guesses Shift_JIS), CRLF,
 * every field quoted, and cells that a spreadsheet would run as a formula (starting with = + - @
 * or a tab/CR) prefixed with a quote (CSV injection, OWASP).
 */

/** The byte-order mark that makes Excel read the file as UTF-8. */
export const csvBom = '\uFEFF';

/** One CSV line (with CRLF). */
export function csvLine(fields: readonly (string | number | null | undefined)[]): string {
  return `${fields
    .map((field) => {
      let value = field === null || field === undefined ? '' : String(field);
      if (/^[=+\-@\t\r]/.test(value)) value = `'${value}`;
      return `"${value.replaceAll('"', '""')}"`;
    })
    .join(',')}\r\n`;
}
