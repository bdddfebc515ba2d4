import { literal, Op, Sequelize, type WhereOptions } from 'sequelize'
import { columnName } from '../fields/model.js'
import type { References } from './import-lookups.js'

/**
 * A row's import key (the registry's importKey): the cells of its key columns, kept as one string
 * per row so that a file of a million rows holds a million strings, not a million arrays. A
 * one-field key (a client's login) is exactly its cell.
 *
 * A row matches a stored record by identity: each text part lower-cased, each reference part as
 * the id its cell names (a sender name's Client cell holds the client's login). A reference the
 * user may not choose names no id, so such a row matches nothing and its cell is the row's error.
 */

const SEPARATOR = '\u0000'

export const joinKey = (parts: string[]) => (parts.every((part) => part === '') ? '' : parts.join(SEPARATOR))
const partsOf = (key: string) => key.split(SEPARATOR)

/** As the report and messages show a key: `acme / Brand 1`. */
export const shownKey = (key: string) => partsOf(key).join(' / ')

/** Two rows with this in common name the same record, whatever their case: the file may not say which wins. */
export const repeatIdentity = (key: string) => key.toLowerCase()

/** The identity of a row's key, or undefined when a part is empty or names nothing this user may choose. */
export function identityOf(key: string, keyFields: readonly string[], references: References): string | undefined {
  if (!key) return undefined
  const parts = partsOf(key)
  const identity: string[] = []
  for (const [i, field] of keyFields.entries()) {
    const part = parts[i] ?? ''
    if (part === '') return undefined
    const reference = references.get(field)
    if (!reference) {
      identity.push(part.toLowerCase())
      continue
    }
    const id = reference.ids.get(reference.caseInsensitive ? part.toLowerCase() : part)
    if (id === undefined) return undefined
    identity.push(String(id))
  }
  return identity.join(SEPARATOR)
}

/** The identity of a stored row (which holds every key field). */
export const storedIdentity = (row: Record<string, unknown>, keyFields: readonly string[], references: References) =>
  keyFields.map((field) => (references.has(field) ? String(row[field]) : String(row[field] ?? '').toLowerCase())).join(SEPARATOR)

/** The stored rows of these identities, as one condition: `lower(login) IN (…)`, `(client_id, lower(name)) IN ((…), …)`. */
export function identitiesWhere(identities: string[], keyFields: readonly string[], references: References, sequelize: Sequelize): WhereOptions {
  const quote = (field: string) => `"${columnName(field).replace(/"/g, '""')}"`
  if (keyFields.length === 1 && !references.has(keyFields[0])) {
    return Sequelize.where(Sequelize.fn('lower', Sequelize.col(columnName(keyFields[0]))), { [Op.in]: identities })
  }
  const columns = keyFields.map((field) => (references.has(field) ? quote(field) : `lower(${quote(field)})`)).join(', ')
  const tuples = identities.map((identity) => {
    const parts = partsOf(identity).map((part, i) => (references.has(keyFields[i]) ? String(Number(part)) : sequelize.escape(part)))
    return `(${parts.join(', ')})`
  })
  return literal(`(${columns}) IN (${tuples.join(', ')})`)
}
