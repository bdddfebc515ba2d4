import type { FieldDef } from '../fields/kinds.js'

/**
 * A cell as a spreadsheet program saved it → the value the form would have sent. Spreadsheets
 * rewrite what they recognize: booleans as TRUE/FALSE, times as 10:00:00 PM, amounts with float
 * noise (981.53999999999999998) or a decimal comma, whole amounts without their decimals (8750).
 * Each form that has exactly one meaning is read as that meaning; anything else is handed on as
 * typed, so the field's own rule refuses it with its usual message (and the report shows the cell).
 * Text fields are never reinterpreted.
 */

export type CellReading = { value: unknown } | { error: string }
export type CellContext = {
  /** The file separates its cells with `;` or tabs: `1234,56` is a decimal comma there, nothing else. */
  decimalComma: boolean
}

const TRUE = new Set(['true', 'yes', 'y', '1', 'x', 'on'])
const FALSE = new Set(['false', 'no', 'n', '0', '', 'off'])

/** 22:00, 9:30, 22:00:00, 10:00 PM, 10:00:00 p.m. (seconds, when given, must be zero). */
const TIME = /^(\d{1,2}):(\d\d)(?::(\d\d)(?:\.0+)?)?(?:\s*([ap])\.?\s*m\.?)?$/i
const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i

function readBoolean(text: string): CellReading {
  const word = text.trim().toLowerCase()
  if (TRUE.has(word)) return { value: true }
  if (FALSE.has(word)) return { value: false }
  return { error: `Must be yes or no (TRUE/FALSE, yes/no, y/n, 1/0, x or empty), not "${text}"` }
}

function readTime(text: string): CellReading {
  const trimmed = text.trim()
  if (trimmed === '') return { value: null }
  const match = TIME.exec(trimmed)
  if (!match) return { value: trimmed }
  const [, hours, minutes, seconds, half] = match
  let hour = Number(hours)
  if (half) {
    if (hour < 1 || hour > 12) return { error: `Must be a time as HH:MM, e.g. 09:30; "${text}" is not a time of day` }
    hour = (hour % 12) + (half.toLowerCase() === 'p' ? 12 : 0)
  }
  if (hour > 23 || Number(minutes) > 59) return { error: `Must be a time as HH:MM, e.g. 09:30; "${text}" is not a time of day` }
  if (seconds !== undefined && Number(seconds) !== 0) return { error: `Must be a time as HH:MM without seconds, not "${text}"` }
  return { value: `${String(hour).padStart(2, '0')}:${minutes}` }
}

/** The amount with exactly 2 decimals, when it has at most 2 (float noise aside). */
function readDecimal(text: string, { decimalComma }: CellContext): CellReading {
  let number = text.trim()
  if (number === '') return { value: null }
  if (decimalComma && /^-?\d+,\d+$/.test(number)) number = number.replace(',', '.')
  if (!NUMBER.test(number)) return { value: number }
  const amount = Number(number)
  const cents = Math.round(amount * 100)
  // Noise is what a double cannot tell apart from the cents: a few units in its last place.
  const noise = Math.max(1e-9, Math.abs(amount * 100) * Number.EPSILON * 16)
  if (!Number.isFinite(amount) || Math.abs(amount * 100 - cents) > noise) {
    return { error: `Must be an amount with at most 2 decimals, not "${text}"` }
  }
  // Digits that a double cannot hold exactly are left to the field's rule (at most 12 digits).
  if (Math.abs(cents) > Number.MAX_SAFE_INTEGER) return { value: number }
  const sign = cents < 0 ? '-' : ''
  const digits = String(Math.abs(cents)).padStart(3, '0')
  return { value: `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}` }
}

function readInteger(text: string): CellReading {
  const trimmed = text.trim()
  if (trimmed === '') return { value: null }
  // 5.0 or 5.00: a whole number a spreadsheet formatted with decimals.
  const whole = /^(-?\d+)\.0+$/.exec(trimmed)
  return { value: whole ? whole[1] : trimmed }
}

/** A cell of a field of `def`'s kind (never a reference or a password: the checker reads those). */
export function readCell(text: string, def: FieldDef, context: CellContext): CellReading {
  switch (def.kind) {
    case 'boolean':
      return readBoolean(text)
    case 'time':
      return readTime(text)
    case 'decimal':
      return readDecimal(text, context)
    case 'integer':
      return readInteger(text)
    default:
      return { value: text === '' ? null : text }
  }
}
