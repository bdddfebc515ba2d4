import { isDeepStrictEqual } from 'node:util'
import type { CurrentAdmin } from 'adminjs'
import { Op, QueryTypes, ValidationError, type Sequelize, type Transaction } from 'sequelize'
import { checkRole, historyVisibleTo } from '../../access/index.js'
import type { BulkTicket } from '../../db/bulk-share.js'
import { NOT_REACHABLE } from '../../panel/actions/bulk-edit.js'
import { at } from '../../panel/adapter/stale-version.js'
import { fieldErrorsFrom } from '../../fields/errors.js'
import { columnName, fieldsOf } from '../../fields/model.js'
import type { Models } from '../../models/index.js'
import { clientDefinition } from '../client/client.fields.js'
import type { ChangeEntry } from './describe-changes.js'

/**
 * Reverting from the change history: puts the fields of one entry (or of every entry of one bulk
 * change or import) back to their old values, as a new change of the reverting user marked
 * `revert:<entry id>` (or `revert:<operation>`). All or nothing, and refused with a reason when a
 * field changed again since, when a rule forbids the old value (currency once set, hand-over by a
 * manager, the model's own rules), when the client is gone, or when the entry holds a password.
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

export type RevertResult = { entries: number; clients: number[]; fields: string[] }

const fieldByColumn = new Map(fieldsOf(clientDefinition).map(([name, def]) => [columnName(name), { name, def }]))
const labelOf = (column: string) => fieldByColumn.get(column)?.def.label ?? column

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
  if (params.resource !== 'Client' || params.action !== 'update') return false
  return !Object.entries(params).some(([key, value]) => (key.endsWith('.passwordChanged') && value) || (key.endsWith('.field') && value === 'password'))
}

/** Why a revertable entry cannot apply any more: it was reverted already, or its client moved on since. */
export type RevertBlock = 'reverted' | 'superseded' | 'deleted'

export const REVERT_BLOCKED: Record<RevertBlock, string> = {
  reverted: 'This change was already reverted',
  superseded: 'A field of this change was changed again since: revert that later change first, or edit the client',
  deleted: 'The client was deleted since',
}

/**
 * For each of these entries (ids) that could be reverted by kind, whether it still can: one query
 * for a page of entries. Already reverted: a revert of the entry, or of its whole operation, is
 * recorded. Changed again since: the client's current value of a field differs from what the
 * entry set (the very check revert() makes before it writes).
 */
export async function revertBlocks(sequelize: Sequelize, ids: string[], transaction?: Transaction): Promise<Map<string, RevertBlock>> {
  if (!ids.length) return new Map()
  const rows = (await sequelize.query(
    `SELECT h.id::text AS id,
            EXISTS (SELECT 1 FROM change_history r
                     WHERE r.operation = 'revert:' || h.id
                        OR (h.operation IS NOT NULL AND r.operation = left('revert:' || h.operation, 64))) AS reverted,
            c.id IS NULL AS deleted,
            EXISTS (SELECT 1 FROM jsonb_array_elements(h.changes) AS change
                     WHERE (to_jsonb(c) -> (change->>'field')) IS DISTINCT FROM coalesce(change->'new', 'null'::jsonb)) AS superseded
       FROM change_history h LEFT JOIN clients c ON c.id = h.record_id
      WHERE h.id IN (:ids) AND h.resource = 'Client' AND h.action = 'update'`,
    { replacements: { ids: ids.map(Number) }, type: QueryTypes.SELECT, transaction },
  )) as { id: string; reverted: boolean; deleted: boolean; superseded: boolean }[]
  const blocks = new Map<string, RevertBlock>()
  for (const row of rows) {
    const block = row.reverted ? 'reverted' : row.deleted ? 'deleted' : row.superseded ? 'superseded' : undefined
    if (block) blocks.set(row.id, block)
  }
  return blocks
}

/** Refusals that follow from the entry alone, before anything is read or locked. */
function refusalOf(entry: Entry, currentAdmin: CurrentAdmin): string | undefined {
  if (entry.resource !== 'Client') return 'Only changes of a client can be reverted'
  if (entry.action === 'create') return 'The creation of a client cannot be reverted'
  if (entry.action === 'delete') return 'The client was deleted: its deletion cannot be reverted'
  if (entry.action !== 'update') return 'Only changes of a client’s fields can be reverted'
  if (entry.changes.some((change) => change.passwordChanged || change.field === 'password')) {
    return 'Password changes cannot be reverted (there is no old value to restore)'
  }
  for (const change of entry.changes) {
    if (!fieldByColumn.has(change.field)) return `${change.field} is no longer a field of a client`
    if (change.field === 'currency') return 'Currency cannot be changed once set, so a change of it cannot be reverted'
    if (change.field === 'manager_id' && !checkRole(currentAdmin, 'admin')) {
      return 'Only an administrator can hand a client to another manager, so only an administrator can revert a hand-over'
    }
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
 * `currentAdmin`. Throws RevertRefused, with nothing saved, when any part cannot be reverted.
 */
export async function revert(models: Models, entryId: string, options: { whole: boolean; currentAdmin: CurrentAdmin; ticket?: BulkTicket }): Promise<RevertResult> {
  const { whole, currentAdmin } = options
  const sequelize = models.Client.sequelize!
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
    if (visible !== entries.length) throw new RevertRefused(`${NOT_REACHABLE}: this operation changed clients you cannot see`)
  }
  for (const each of entries) {
    const refusal = refusalOf(each, currentAdmin)
    if (refusal) throw new RevertRefused(whole ? `Entry #${each.id}: ${refusal}` : refusal)
  }
  // Reverting twice would write the old values over themselves (or over later work): said as what it is.
  if (!whole && (await revertBlocks(sequelize, [entry.id])).get(String(entry.id)) === 'reverted') throw new RevertRefused(REVERT_BLOCKED.reverted)

  const fields = new Set<string>()
  const clients = new Set<number>()
  await asActor(sequelize, currentAdmin, revertOperation(entry, whole), async (transaction) => {
    for (const each of entries) {
      const [row] = (await sequelize.query(`SELECT to_jsonb(c) AS row FROM clients AS c WHERE c.id = :id FOR UPDATE`, {
        replacements: { id: each.record_id },
        type: QueryTypes.SELECT,
        transaction,
      })) as { row: Record<string, unknown> }[]
      const reachable = row && (admin || String(row.row.manager_id) === String(currentAdmin.id))
      // A manager is told of no client outside their own, not even whether it still exists.
      if (!reachable && !admin) throw new RevertRefused(NOT_REACHABLE)
      const refuse: (reason: string) => never = (reason) => {
        throw new RevertRefused(whole ? `Client ${String(row?.row.login ?? `#${each.record_id}`)}: ${reason}` : reason)
      }
      if (!row) refuse('The client was deleted since')
      const current = row.row
      for (const change of each.changes) {
        if (isDeepStrictEqual(current[change.field] ?? null, change.new ?? null)) continue
        // Who changed it is named only where the user's history would name them (a manager: not another manager).
        const [later] = (await sequelize.query(
          `SELECT created_at,
                  CASE WHEN :admin OR actor_id IS NULL OR actor_id = :me
                         OR NOT EXISTS (SELECT 1 FROM admin_users a WHERE a.id = actor_id AND a.role = 'manager') THEN actor_email END AS actor_email
             FROM change_history
            WHERE resource = 'Client' AND record_id = :id AND id > :entryId AND changes @> CAST(:pattern AS jsonb)
            ORDER BY id DESC LIMIT 1`,
          {
            replacements: { id: each.record_id, entryId: each.id, pattern: JSON.stringify([{ field: change.field }]), admin, me: Number(currentAdmin.id) },
            type: QueryTypes.SELECT,
            transaction,
          },
        )) as { actor_email: string | null; created_at: Date }[]
        const by = later ? ` (${later.actor_email ? `by ${later.actor_email} ` : ''}at ${at(later.created_at)})` : ''
        refuse(`${labelOf(change.field)} was changed again since${by}: revert that change first, or edit the client`)
      }
      const values = Object.fromEntries(each.changes.map((change) => [fieldByColumn.get(change.field)!.name, change.old ?? null]))
      try {
        await models.Client.update(values, { where: { id: each.record_id, version: current.version as number }, transaction })
      } catch (error) {
        const errors = fieldErrorsFrom(error, clientDefinition)
        if (!errors && !(error instanceof ValidationError)) throw error
        const [[name, problem] = ['', { message: 'The old values are not allowed any more' }]] = Object.entries(errors ?? {})
        const label = fieldsOf(clientDefinition).find(([field]) => field === name)?.[1].label
        refuse(`${label ? `${label}: ` : ''}${problem.message}`)
      }
      each.changes.forEach((change) => fields.add(labelOf(change.field)))
      clients.add(each.record_id)
    }
  }, options.ticket)
  return { entries: entries.length, clients: [...clients], fields: [...fields] }
}
