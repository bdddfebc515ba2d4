import type { FieldDef } from '../../fields/kinds.js'
import { columnName, type ResourceDefinition } from '../../fields/model.js'

export type ChangeEntry = { field: string; old?: unknown; new?: unknown; passwordChanged?: boolean } & Partial<ExportChange>

/** What an export entry holds (see src/exports/record-export.ts). */
type ExportChange = {
  rows: number
  filter: Record<string, unknown>
  sort: { sortBy: string; direction: string }
  ids: number[]
  aborted: boolean
}

/** A referenced record's name, or undefined where it is unknown or not the viewer's to see (shown as "#id"). */
export type ReferenceTitle = (resource: string, id: unknown) => string | undefined

const formatValue = (value: unknown, def: FieldDef | undefined, title?: ReferenceTitle): string => {
  if (value === null || value === undefined || value === '') return '(empty)'
  if (Array.isArray(value)) return value.join(', ')
  if (typeof value === 'boolean') return value ? 'Yes' : 'No'
  if (def?.kind === 'decimal' && typeof value === 'number') return value.toFixed(2)
  const option = def?.options?.find((choice) => choice.value === value)
  if (option) return option.label
  if (def?.kind === 'time' && typeof value === 'string') return value.slice(0, 5)
  if (def?.references) return title?.(def.references.resource, value) ?? `#${value}`
  return String(value)
}

/** A resource's records in words: `Client` → "clients", `AdminUser` → "admin users". */
const recordsOf = (definition: ResourceDefinition | undefined, count: number) => {
  const noun = (definition?.name ?? 'record').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()
  return count === 1 ? noun : `${noun}s`
}

/** "Exported 1,234 clients (filter: deliveryStatus=active; sorted by login desc)". */
function describeExport(definition: ResourceDefinition | undefined, change: ChangeEntry): string {
  const rows = Number(change.rows ?? 0)
  const details: string[] = []
  const filter = Object.entries(change.filter ?? {}).map(([field, value]) => `${field}=${value}`)
  if (filter.length) details.push(`filter: ${filter.join(', ')}`)
  if (change.ids) details.push(`${change.ids.length} selected`)
  if (change.sort) details.push(`sorted by ${change.sort.sortBy} ${change.sort.direction}`)
  const what = `${rows.toLocaleString('en')} ${recordsOf(definition, rows)}`
  const done = change.aborted ? `Exported ${what}, then the download stopped` : `Exported ${what}`
  return details.length ? `${done} (${details.join('; ')})` : done
}

type FormPlaces = Map<string, { def: FieldDef; position: number; section: string }>
// Definitions are fixed at start-up: each one's places are worked out once, not per entry (the home
// page describes 20 entries per request, the history list 3 times per row).
const placesByDefinition = new WeakMap<ResourceDefinition, FormPlaces>()
const NO_PLACES: FormPlaces = new Map()

/** Each column's field, its place in the form and the title of its section. */
export function formPlaces(definition: ResourceDefinition | undefined): FormPlaces {
  if (!definition) return NO_PLACES
  let places = placesByDefinition.get(definition)
  if (!places) {
    places = new Map(
      definition.sections
        .flatMap((section) => Object.entries(section.fields).map(([name, def]) => ({ name, def, section: section.title })))
        .map(({ name, def, section }, position) => [columnName(name), { def, position, section }]),
    )
    placesByDefinition.set(definition, places)
  }
  return places
}

/**
 * Reads change entries (column names, as the history trigger stores them, in the database's key
 * order) in the words and the order of the form: "Allow credit: 0.00 → 5000.00", a reference by the
 * name `title` gives it; fields the form no longer has come last. Passwords only ever appear as
 * "Password changed". `withSection`: each line starts with its field's section ("Financial settings › ").
 */
export function describeChanges(
  definition: ResourceDefinition | undefined,
  changes: ChangeEntry[],
  title?: ReferenceTitle,
  options: { withSection?: boolean } = {},
): string[] {
  const places = formPlaces(definition)
  const ordered = [...changes].sort((a, b) => (places.get(a.field)?.position ?? Infinity) - (places.get(b.field)?.position ?? Infinity))
  return ordered.map((change) => {
    if (change.field === 'export' && change.rows !== undefined) return describeExport(definition, change)
    const place = places.get(change.field)
    const def = place?.def
    const label = def?.label ?? change.field
    const section = options.withSection && place?.section ? `${place.section} › ` : ''
    if (change.passwordChanged || change.field === 'password') return `${section}${label === 'password' ? 'Password' : label} changed`
    return `${section}${label}: ${formatValue(change.old, def, title)} → ${formatValue(change.new, def, title)}`
  })
}
