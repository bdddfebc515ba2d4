import type { FieldDef } from '../../fields/kinds.js'
import { columnName, fieldsOf, type ResourceDefinition } from '../../fields/model.js'

export type ChangeEntry = { field: string; old?: unknown; new?: unknown; passwordChanged?: boolean }

const formatValue = (value: unknown, def: FieldDef | undefined): string => {
  if (value === null || value === undefined || value === '') return '(empty)'
  if (Array.isArray(value)) return value.join(', ')
  if (typeof value === 'boolean') return value ? 'Yes' : 'No'
  if (def?.kind === 'decimal' && typeof value === 'number') return value.toFixed(2)
  const option = def?.options?.find((choice) => choice.value === value)
  if (option) return option.label
  if (def?.kind === 'time' && typeof value === 'string') return value.slice(0, 5)
  if (def?.kind === 'reference') return `#${value}`
  return String(value)
}

/**
 * Reads change entries (column names, as the history trigger stores them) in the words of the
 * form: "Allow credit: 0.00 → 5000.00". Passwords only ever appear as "Password changed".
 */
export function describeChanges(definition: ResourceDefinition | undefined, changes: ChangeEntry[]): string[] {
  const byColumn = new Map<string, [string, FieldDef]>(
    definition ? fieldsOf(definition).map(([name, def]) => [columnName(name), [name, def]]) : [],
  )
  return changes.map((change) => {
    const [, def] = byColumn.get(change.field) ?? [change.field, undefined]
    const label = def?.label ?? change.field
    if (change.passwordChanged || change.field === 'password') return `${label === 'password' ? 'Password' : label} changed`
    return `${label}: ${formatValue(change.old, def)} → ${formatValue(change.new, def)}`
  })
}
