/**
 * Cells a spreadsheet must not run: what the export writes and the import reads back. A cell that
 * starts like a formula (=, +, -, @, tab, CR) gets a leading apostrophe, which spreadsheets show as
 * text; a cell that already starts with an apostrophe gets one too, so removing exactly one leading
 * apostrophe always gives back the stored value (an E.164 phone number included).
 */

export const FORMULA_PREFIX = "'"

/** First characters that get the prefix (the export's SQL form, csv-cell-sql.ts, reads them too). */
export const FORMULA_STARTS: readonly string[] = ['=', '+', '-', '@', '\t', '\r', FORMULA_PREFIX]

const NEEDS_PREFIX = new RegExp(`^[${FORMULA_STARTS.map((start) => `\\u${start.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}]`)

/** The cell as written to the file. */
export const neutralizeFormula = (cell: string): string => (NEEDS_PREFIX.test(cell) ? FORMULA_PREFIX + cell : cell)

/**
 * The stored value back from a cell that `neutralizeFormula` wrote. Only an apostrophe that guards
 * something is removed: a spreadsheet that already took the guard away (Gnumeric does, reading
 * `''abc` as `'abc`) hands over a value that must stay as it is.
 */
export const restoreFormula = (cell: string): string =>
  cell.startsWith(FORMULA_PREFIX) && NEEDS_PREFIX.test(cell.slice(FORMULA_PREFIX.length)) ? cell.slice(FORMULA_PREFIX.length) : cell
