import { ValidationError, type ActionContext } from 'adminjs'
import type { Model, ModelStatic, Transaction, WhereOptions } from 'sequelize'
import { fieldErrorsFrom } from '../../fields/errors.js'
import type { ResourceDefinition } from '../../fields/model.js'
import type { ActorOptions } from '../../models/admin-user.rules.js'

// Owns how the adapter's writes run: in a transaction that names its author for the change-history
// triggers, with the author in the model's options (own-account rules), an edit's version check,
// and why a delete was refused.

/** What the adapter's methods get from AdminJS's action context: the signed-in user, if any. */
export type Context = Partial<Pick<ActionContext, 'currentAdmin'>> | undefined

/**
 * Runs a panel write in a transaction that names its author: the change-history triggers read
 * the actor from these transaction-local settings (anything else is recorded as "system").
 * `operation` ("bulk:<uuid>", …) groups the entries of one operation that changes many rows.
 */
export function asActor<T>(model: ModelStatic<Model>, context: Context, write: (transaction: Transaction) => Promise<T>, operation?: string): Promise<T> {
  const sequelize = model.sequelize!
  return sequelize.transaction(async (transaction) => {
    const actor = context?.currentAdmin
    if (actor) {
      await sequelize.query(`SELECT set_config('app.actor_id', :id, true), set_config('app.actor_email', :email, true)`, {
        replacements: { id: String(actor.id), email: String(actor.email) },
        transaction,
      })
    }
    if (operation) {
      await sequelize.query(`SELECT set_config('app.operation', :operation, true)`, { replacements: { operation }, transaction })
    }
    return write(transaction)
  })
}

/** The acting user, in the options of a model write, for the model's own-account rules (see admin-user.rules.ts). */
export const actorOf = (context: Context): ActorOptions => (context?.currentAdmin?.id !== undefined ? { actor: { id: context.currentAdmin.id } } : {})

/** An edit based on a version that is no longer the stored one (see AppResource.update). */
export class StaleVersion extends Error {}

/** The database's own refusal of a stale write (migration 0008's trigger). */
export const isStaleVersionRefusal = (error: unknown) => {
  const original = (error as { original?: { constraint?: string } })?.original
  return typeof original?.constraint === 'string' && original.constraint.endsWith('_version_stale')
}

/** The row's version, locked until the transaction ends (undefined: no such row for this user). */
export async function lockedVersion(model: ModelStatic<Model>, field: string, where: WhereOptions, transaction: Transaction) {
  const row = await model.findOne({ attributes: [field], where, transaction, lock: true })
  return row ? Number(row.get(field)) : undefined
}

/**
 * A refused delete as the panel shows it: the model's rule, or a row still referenced elsewhere.
 * `title`: the refused record's title, named when several were asked for.
 */
export function deleteRefusal(error: unknown, definition: ResourceDefinition, title: string | undefined): unknown {
  const name = (error as Error).name
  const prefix = title !== undefined ? `${title}: ` : ''
  if (name === 'SequelizeValidationError') {
    const errors = fieldErrorsFrom(error, definition) ?? {}
    return new ValidationError(errors, { message: prefix + (Object.values(errors)[0]?.message ?? 'This record cannot be deleted') })
  }
  // 23001: PostgreSQL 17 (the embedded database) reports an ON DELETE RESTRICT as restrict_violation.
  const code = ((error as { original?: { code?: string } }).original ?? {}).code
  if (name === 'SequelizeForeignKeyConstraintError' || code === '23503' || code === '23001') {
    return new ValidationError({}, { message: `${prefix}This record is still used by other records and cannot be deleted` })
  }
  return error
}
