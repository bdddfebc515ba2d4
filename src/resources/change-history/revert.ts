import { isDeepStrictEqual } from 'node:util'
import type { CurrentAdmin } from 'adminjs'
import { Op, QueryTypes, ValidationError, type Sequelize, type Transaction } from 'sequelize'
import { checkRole, historyVisibleTo, mayChooseOwner, ownedRowsSql, resetsFor, valueRuleAgainst } from '../../access/index.js'
import type { BulkTicket } from '../../db/bulk-share.js'
import { NOT_REACHABLE } from '../../panel/actions/bulk-edit.js'
import { at } from '../../panel/adapter/stale-version.js'
import { fieldErrorsFrom } from '../../fields/errors.js'
import { columnName, fieldMap, fieldsOf } from '../../fields/model.js'
import type { Models } from '../../models/index.js'
import { ident } from '../../schema/desired.js'
import { entryOf } from '../registry.js'
import type { ChangeEntry } from './describe-changes.js'

/**
 * Reverting from the change history: puts the fields of one entry (or of every entry of one bulk
 * change or import) back to their old values, as a new change of the reverting user marked
 * `revert:<entry id>` (or `revert:<operation>`). All or nothing, and refused with a reason when a
 * field changed again since, when a rule forbids the old value (currency once set, hand-over by a
 * manager, the model's own rules, the registry entry's value rules), when the record is gone, or
 * when the entry holds a password. Any resource with `history: true`; a manager reverts only
 * changes of records in their row scope.
 */

export class RevertRefused extends Error {}

type Entry = {
  id: string
  resource: string
  record_id: number
  action: string
  changes: ChangeEntry[]
  operation: string | null
}

export type RevertResult = { entries: number; resource: string; records: number[]; fields: string[] }

/** What a revert needs of a recorded resource (`history: true` in its definition), from the registry. */
function recordedAs(resource: string) {
  const entry = entryOf(resource)
  if (!entry?.definition.history) return undefined
  const { definition } = entry
  const byColumn = new Map(fieldsOf(definition).map(([name, def]) => [columnName(name), { name, def }]))
  const record = entry.label.toLowerCase()
  return { entry, definition, byColumn, record, labelOf: (column: string) => byColumn.get(column)?.def.label ?? column }
}

/** The operation a revert is recorded under (change_history.operation is varchar(64)). */
export const revertOperation = (entry: { id: string; operation: string | null }, whole: boolean) =>
  (whole ? `revert:${entry.operation}` : `revert:${entry.id}`).slice(0, 64)

/** "Revert of entry #12" / "Revert of operation bulk:…" for a history entry's operation, if it is a revert. */
export function revertNote(operation: unknown): string | undefined {
  if (typeof operation !== 'string' || !operation.startsWith('revert:')) return undefined
  const target = operation.slice('revert:'.length)
  return /^\d+$/.test(target) ? `Revert of entry #${target}` : `Revert of operation ${target}`
}

/** Whether an entry can be offered for reverting at all (the rest is checked when it is done). */
export function canBeReverted(params: Record<string, unknown>): boolean {
  if (!recordedAs(String(params.resource)) || params.action !== 'update') return false
  return !Object.entries(params).some(([key, value]) => (key.endsWith('.passwordChanged') && value) || (key.endsWith('.field') && value === 'password'))
}

/** Why a revertable entry cannot apply any more: it was reverted already, or its record moved on since. */
export type RevertBlock = 'reverted' | 'superseded' | 'deleted'

export const revertBlocked = (block: RevertBlock, record: string) =>
  ({
    reverted: 'This change was already reverted',
    superseded: `A field of this change was changed again since: revert that later change first, or edit the ${record}`,
    deleted: `The ${record} was deleted since`,
  })[block]

/**
 * For each of these entries (ids) that could be reverted by kind, why it no longer can, if so:
 * one query per recorded resource among them. Already reverted: a revert of the entry, or of its
 * whole operation, is recorded. Changed again since: the record's current value of a field
 * differs from what the entry set (the very check revert() makes before it writes).
 */
export async function revertBlocks(sequelize: Sequelize, ids: string[], transaction?: Transaction): Promise<Map<string, string>> {
  const blocks = new Map<string, string>()
  if (!ids.length) return blocks
  const kinds = (await sequelize.query(`SELECT DISTINCT resource FROM change_history WHERE id IN (:ids) AND action = 'update'`, {
    replacements: { ids: ids.map(Number) },
    type: QueryTypes.SELECT,
    transaction,
  })) as { resource: string }[]
  for (const { resource } of kinds) {
    const recorded = recordedAs(resource)
    if (!recorded) continue
    const rows = (await sequelize.query(
      `SELECT h.id::text AS id,
              EXISTS (SELECT 1 FROM change_history r
                       WHERE r.operation = 'revert:' || h.id
                          OR (h.operation IS NOT NULL AND r.operation = left('revert:' || h.operation, 64))) AS reverted,
              c.id IS NULL AS deleted,
              EXISTS (SELECT 1 FROM jsonb_array_elements(h.changes) AS change
                       WHERE (to_jsonb(c) -> (change->>'field')) IS DISTINCT FROM coalesce(change->'new', 'null'::jsonb)) AS superseded
         FROM change_history h LEFT JOIN ${ident(recorded.definition.table)} c ON c.id = h.record_id
        WHERE h.id IN (:ids) AND h.resource = :resource AND h.action = 'update'`,
      { replacements: { ids: ids.map(Number), resource }, type: QueryTypes.SELECT, transaction },
    )) as { id: string; reverted: boolean; deleted: boolean; superseded: boolean }[]
    for (const row of rows) {
      const block = row.reverted ? 'reverted' : row.deleted ? 'deleted' : row.superseded ? 'superseded' : undefined
      if (block) blocks.set(row.id, revertBlocked(block, recorded.record))
    }
  }
  return blocks
}

/** Refusals that follow from the entry alone, before anything is read or locked. */
function refusalOf(entry: Entry, currentAdmin: CurrentAdmin): string | undefined {
  const recorded = recordedAs(entry.resource)
  if (!recorded) return 'Only changes of a recorded resource can be reverted'
  const { definition, byColumn, record } = recorded
  if (entry.action === 'create') return `The creation of a ${record} cannot be reverted`
  if (entry.action === 'delete') return `The ${record} was deleted: its deletion cannot be reverted`
  if (entry.action !== 'update') return `Only changes of a ${record}’s fields can be reverted`
  if (entry.changes.some((change) => change.passwordChanged || change.field === 'password')) {
    return 'Password changes cannot be reverted (there is no old value to restore)'
  }
  for (const change of entry.changes) {
    const field = byColumn.get(change.field)
    if (!field) return `${change.field} is no longer a field of a ${record}`
    if (field.def.readOnlyOnceSet) return `${field.def.label} cannot be changed once set, so a change of it cannot be reverted`
    if (field.name === definition.ownedBy && !checkRole(currentAdmin, 'admin')) {
      return `Only an administrator can hand a ${record} to another ${field.def.label.toLowerCase()}, so only an administrator can revert a hand-over`
    }
  }
  return undefined
}

/**
 * Whether the reverting user may put these old values back, by the entry's declared rules, as the
 * form would refuse them: a value only some roles set (a manager cannot restore `approved`), and a
 * record owned through another only back under one of the user's own (a sender name's client).
 */
async function ruleRefusal(sequelize: Sequelize, resource: string, values: Record<string, unknown>, currentAdmin: CurrentAdmin, transaction: Transaction) {
  const { entry, definition } = recordedAs(resource)!
  for (const [field, value] of Object.entries(values)) {
    const rule = valueRuleAgainst(entry.valueRules, currentAdmin, field, value)
    if (rule) return rule.message
  }
  const through = definition.ownedThrough
  if (through && through in values && !(await mayChooseOwner(sequelize, resource, values[through], currentAdmin, transaction))) {
    return `${NOT_REACHABLE}: the earlier ${fieldMap(definition).get(through)?.label ?? through} is not one of yours`
  }
  return undefined
}

async function asActor<T>(sequelize: Sequelize, currentAdmin: CurrentAdmin, operation: string, work: (t: Transaction) => Promise<T>, ticket?: BulkTicket) {
  return sequelize.transaction(async (transaction) => {
    await ticket?.inTransaction(transaction)
    await sequelize.query(
      `SELECT set_config('app.actor_id', :id, true), set_config('app.actor_email', :email, true), set_config('app.operation', :operation, true)`,
      { replacements: { id: String(currentAdmin.id), email: String(currentAdmin.email), operation }, transaction },
    )
    return work(transaction)
  })
}

/**
 * Reverts entry `entryId` (or, with `whole`, every entry of its operation, newest first) for
 * `currentAdmin`, for any resource whose changes are recorded. Throws RevertRefused, with nothing
 * saved, when any part cannot be reverted.
 */
export async function revert(models: Models, entryId: string, options: { whole: boolean; currentAdmin: CurrentAdmin; ticket?: BulkTicket }): Promise<RevertResult> {
  const { whole, currentAdmin } = options
  const sequelize = models.ChangeHistory.sequelize!
  const select = `SELECT id, resource, record_id, action, changes, operation FROM change_history`
  const [entry] = (await sequelize.query(`${select} WHERE id = :entryId`, { replacements: { entryId }, type: QueryTypes.SELECT })) as Entry[]
  if (!entry) throw new RevertRefused('No such change')
  if (whole && !entry.operation) throw new RevertRefused('This change is not part of a bulk change, an import or a revert')
  const entries = whole
    ? ((await sequelize.query(`${select} WHERE operation = :operation ORDER BY id DESC`, {
        replacements: { operation: entry.operation },
        type: QueryTypes.SELECT,
      })) as Entry[])
    : [entry]
  const admin = checkRole(currentAdmin, 'admin')
  // A manager reverts only what their history shows them: one entry of an operation that is not
  // (another manager's client, a change from before a hand-over) refuses the whole, in words that
  // tell nothing of it.
  if (!admin && whole) {
    const visible = await models.ChangeHistory.count({ where: { [Op.and]: [{ id: entries.map((each) => each.id) }, historyVisibleTo(currentAdmin) ?? {}] } })
    if (visible !== entries.length) throw new RevertRefused(`${NOT_REACHABLE}: this operation changed records you cannot see`)
  }
  for (const each of entries) {
    const refusal = refusalOf(each, currentAdmin)
    if (refusal) throw new RevertRefused(whole ? `Entry #${each.id}: ${refusal}` : refusal)
  }
  // Reverting twice would write the old values over themselves (or over later work): said as what it is.
  if (!whole && (await revertBlocks(sequelize, [entry.id])).get(String(entry.id)) === revertBlocked('reverted', '')) {
    throw new RevertRefused(revertBlocked('reverted', ''))
  }

  const fields = new Set<string>()
  const records = new Set<number>()
  await asActor(sequelize, currentAdmin, revertOperation(entry, whole), async (transaction) => {
    for (const each of entries) {
      const { entry: registered, definition, byColumn, record, labelOf } = recordedAs(each.resource)!
      // Only within the user's row scope (a manager: their own clients and what those own).
      const owned = admin ? undefined : ownedRowsSql(each.resource, currentAdmin)
      const [row] = (await sequelize.query(
        `SELECT to_jsonb(c) AS row FROM ${ident(definition.table)} AS c WHERE c.id = :id${owned ? ` AND c.id IN ${owned}` : ''} FOR UPDATE`,
        { replacements: { id: each.record_id }, type: QueryTypes.SELECT, transaction },
      )) as { row: Record<string, unknown> }[]
      // A manager is told of no record outside their own, not even whether it still exists.
      if (!row && !admin) throw new RevertRefused(NOT_REACHABLE)
      const title = columnName(registered.titleField)
      const refuse: (reason: string) => never = (reason) => {
        throw new RevertRefused(whole ? `${registered.label} ${String(row?.row[title] ?? `#${each.record_id}`)}: ${reason}` : reason)
      }
      if (!row) refuse(`The ${record} was deleted since`)
      const current = row.row
      for (const change of each.changes) {
        if (isDeepStrictEqual(current[change.field] ?? null, change.new ?? null)) continue
        // Who changed it is named only where the user's history would name them (a manager: not another manager).
        const [later] = (await sequelize.query(
          `SELECT created_at,
                  CASE WHEN :admin OR actor_id IS NULL OR actor_id = :me
                         OR NOT EXISTS (SELECT 1 FROM admin_users a WHERE a.id = actor_id AND a.role = 'manager') THEN actor_email END AS actor_email
             FROM change_history
            WHERE resource = :resource AND record_id = :id AND id > :entryId AND changes @> CAST(:pattern AS jsonb)
            ORDER BY id DESC LIMIT 1`,
          {
            replacements: { resource: each.resource, id: each.record_id, entryId: each.id, pattern: JSON.stringify([{ field: change.field }]), admin, me: Number(currentAdmin.id) },
            type: QueryTypes.SELECT,
            transaction,
          },
        )) as { actor_email: string | null; created_at: Date }[]
        const by = later ? ` (${later.actor_email ? `by ${later.actor_email} ` : ''}at ${at(later.created_at)})` : ''
        refuse(`${labelOf(change.field)} was changed again since${by}: revert that change first, or edit the ${record}`)
      }
      const restored = Object.fromEntries(each.changes.map((change) => [byColumn.get(change.field)!.name, change.old ?? null]))
      const refusal = await ruleRefusal(sequelize, each.resource, restored, currentAdmin, transaction)
      if (refusal) refuse(refusal)
      // As a form edit of these fields by this user would: a manager's rename of an approved name is pending again.
      const storedValues = Object.fromEntries([...byColumn].map(([column, { name }]) => [name, current[column]]))
      const values = { ...restored, ...resetsFor(registered.resetRules, currentAdmin, storedValues, restored) }
      const versionField = definition.versionField
      try {
        await models[each.resource].update(values, {
          where: { id: each.record_id, ...(versionField && { [versionField]: current[columnName(versionField)] as number }) },
          transaction,
        })
      } catch (error) {
        const errors = fieldErrorsFrom(error, definition)
        if (!errors && !(error instanceof ValidationError)) throw error
        const [[name, problem] = ['', { message: 'The old values are not allowed any more' }]] = Object.entries(errors ?? {})
        const label = fieldMap(definition).get(name)?.label
        refuse(`${label ? `${label}: ` : ''}${problem.message}`)
      }
      each.changes.forEach((change) => fields.add(labelOf(change.field)))
      records.add(each.record_id)
    }
  }, options.ticket)
  return { entries: entries.length, resource: entry.resource, records: [...records], fields: [...fields] }
}
