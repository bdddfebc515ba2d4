import { ValidationError } from 'adminjs'
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize'
import { columnName, fieldsOf, type ResourceDefinition } from '../../fields/model.js'

/**
 * Says why an edit based on an older version of a record was refused: which fields changed since
 * that version, who changed them and when, read from the change history (each entry keeps the
 * version its change produced, migration 0008).
 */

/** The version an edit names, or undefined when it names none (a script sending only its fields). */
export function postedVersion(params: Record<string, unknown>, field: string): number | undefined | 'invalid' {
  const value = params[field]
  if (value === undefined || value === null || value === '') return undefined
  const text = String(value).trim()
  return /^\d{1,9}$/.test(text) ? Number(text) : 'invalid'
}

type Entry = { actor_email: string; created_at: Date | string; changes: { field: string }[] }

/** `2025-03-14 10:42 UTC`: the server does not know the reader's time zone, so it says which one it uses. */
export const at = (when: Date | string) => `${new Date(when).toISOString().slice(0, 16).replace('T', ' ')} UTC`

/** One change made to a record after a given version: by whom, when, which fields (by label). */
export type ChangeSince = { actor: string; when: string; labels: string[] }

/**
 * For many records at once, the changes each had after its given version (`base`), oldest first,
 * from the change history: an import compares a whole file's Version column in one query.
 */
export async function changesSince(
  sequelize: Sequelize,
  definition: ResourceDefinition,
  bases: { recordId: number; base: number }[],
  transaction?: Transaction,
): Promise<Map<number, ChangeSince[]>> {
  const byRecord = new Map<number, ChangeSince[]>()
  if (!bases.length) return byRecord
  const entries = (await sequelize.query(
    `SELECT h.record_id, h.actor_email, h.created_at, h.changes
       FROM unnest(CAST(:ids AS integer[]), CAST(:bases AS integer[])) AS s(record_id, base)
       JOIN change_history h ON h.resource = :resource AND h.record_id = s.record_id AND h.record_version > s.base
      ORDER BY h.id`,
    {
      replacements: { resource: definition.name, ids: `{${bases.map((b) => b.recordId).join(',')}}`, bases: `{${bases.map((b) => b.base).join(',')}}` },
      type: QueryTypes.SELECT,
      transaction,
    },
  )) as (Entry & { record_id: number })[]
  const labels = new Map(fieldsOf(definition).map(([name, def]) => [columnName(name), def.label]))
  for (const entry of entries) {
    const list = byRecord.get(Number(entry.record_id)) ?? []
    list.push({ actor: entry.actor_email, when: at(entry.created_at), labels: entry.changes.map((change) => labels.get(change.field) ?? change.field) })
    byRecord.set(Number(entry.record_id), list)
  }
  return byRecord
}

/** The record as it is stored now, as the panel shows it: what a refused form merges with. */
export type CurrentRecord = { params: Record<string, unknown>; version: number }

/** A stored value as the form holds it (text; null for none), so "yours" and "theirs" compare. */
const asFormValue = (value: unknown): string | null => {
  if (value === null || value === undefined) return null
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/**
 * Each field error carries, besides its message, what the form needs to merge instead of making
 * the user reload: `changedBy`, `changedAt` (ISO), `theirs` (the value stored now; never for a
 * secret) and `currentVersion` (the version to save on top of). The base error carries
 * `currentVersion` too. Names are added, none renamed: `message` and `type` stay as they were.
 */
export async function staleVersionError(
  sequelize: Sequelize,
  definition: ResourceDefinition,
  recordId: number,
  base: number,
  current?: CurrentRecord,
): Promise<ValidationError> {
  const entries = (await sequelize.query(
    `SELECT actor_email, created_at, changes FROM change_history
      WHERE resource = :resource AND record_id = :recordId AND record_version > :base
      ORDER BY id`,
    { replacements: { resource: definition.name, recordId, base }, type: QueryTypes.SELECT },
  )) as Entry[]

  const byColumn = new Map(fieldsOf(definition).map(([name, def]) => [columnName(name), { name, label: def.label, secret: def.kind === 'password' }]))
  const latest = new Map<string, { label: string; actor: string; when: string; at: string; secret: boolean }>()
  for (const entry of entries) {
    for (const change of entry.changes) {
      const field = byColumn.get(change.field) ?? { name: change.field, label: change.field, secret: false }
      latest.set(field.name, { label: field.label, actor: entry.actor_email, when: at(entry.created_at), at: new Date(entry.created_at).toISOString(), secret: field.secret })
    }
  }

  type StaleFieldError = { message: string; type: string; changedBy: string; changedAt: string; theirs?: string | null; currentVersion?: number }
  const errors: Record<string, StaleFieldError> = {}
  for (const [name, change] of latest) {
    errors[name] = { message: `Changed by ${change.actor} at ${change.when} — reload to see the new value`, type: 'stale', changedBy: change.actor, changedAt: change.at }
    if (current) {
      errors[name].currentVersion = current.version
      if (!change.secret && name in current.params) errors[name].theirs = asFormValue(current.params[name])
    }
  }
  const byWhom = new Map<string, string>()
  for (const change of latest.values()) byWhom.set(change.actor, change.when)
  const who = [...byWhom].map(([actor, when]) => `${actor} at ${when}`).join(' and ')
  const fields = [...latest.values()].map((change) => change.label).join(', ')
  const record = `this ${definition.name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}`
  const message = entries.length
    ? `Not saved: ${record} was changed by ${who} after you opened it (${fields}). Reload to see the new values, then apply yours again.`
    : `Not saved: ${record} was changed after you opened it. Reload to see the new values, then apply yours again.`
  return new ValidationError(errors, { message, type: 'staleVersion', ...(current && { currentVersion: current.version }) } as { message: string; type: string })
}
