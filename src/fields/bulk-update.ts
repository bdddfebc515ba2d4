import { Op, type Model, type ModelStatic, type Transaction, type WhereOptions } from 'sequelize'
import { bulkShareOf } from '../db/bulk-share.js'
import { fieldErrorsFrom } from './errors.js'
import { kinds, type FieldDef } from './kinds.js'
import { fieldMap, fieldsOf, type ResourceDefinition } from './model.js'

/**
 * One change checked against many stored rows with the model's own rules (the same validators and
 * hooks, so the same messages as the form), then written with set-based UPDATEs of up to
 * WRITE_CHUNK rows instead of a save per row, yielding to others' requests in between. The
 * database triggers still run per row: history entries, read-only currency.
 */

/** What a change does to one stored row: its per-field messages when a rule refuses it. */
export type RowCheck = {
  id: number
  row: Record<string, unknown>
  action: 'update' | 'unchanged' | 'error' | 'skipped'
  errors: Record<string, string>
  /** Why a row is left alone (`skipped`), by field: a set-once field it already has a value in. */
  skipped?: Record<string, string>
  /** The values this row would be written with (the touched attributes, as the model's setters left them). */
  values: Record<string, unknown>
}

/** Why a bulk change leaves a row alone whose set-once field has a value already. */
export const ALREADY_SET = 'skipped: already set'

/** Rows checked between two turns of the event loop (about 10 ms of work). */
const YIELD_EVERY = 200
/** Rows per UPDATE: between statements, others' requests come first (src/db/interactive-first.ts). */
const WRITE_CHUNK = 1000

/** The fields "Edit selected" offers, in form order. */
export const bulkEditableFields = (definition: ResourceDefinition): [string, FieldDef][] =>
  fieldsOf(definition).filter(([, def]) => def.bulkEdit)

/**
 * The stored attributes a change of `touched` needs to be checked: those fields and every field a
 * rule ties to them (a paired field, a confirmation). The model's other rules only look at fields
 * that change (read-only once set, active references), so no other column is read.
 */
export function attributesToCheck(definition: ResourceDefinition, touched: string[]): string[] {
  const related = new Set(touched)
  for (const [name, def] of fieldsOf(definition)) {
    for (const other of [def.pairedWith, def.confirms]) {
      if (!other) continue
      if (touched.includes(name)) related.add(other)
      if (touched.includes(other)) related.add(name)
    }
  }
  return [...related].filter((name) => !kinds[fieldMap(definition).get(name)!.kind].virtual)
}

/**
 * Stored values in the shape the model's setters produce (a time "09:00:00" as "09:00"), so that
 * "unchanged" and the cross-field rules compare like with like.
 */
export function asSet(row: Record<string, unknown>, fields: Map<string, FieldDef>) {
  const normalized: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(row)) {
    const def = fields.get(name)
    const normalize = def && kinds[def.kind].normalize
    normalized[name] = normalize && value !== null && value !== undefined ? normalize(value, def) : value
  }
  return normalized
}

type HookRunner = { runHooks: (name: string, ...args: unknown[]) => Promise<void> }

/**
 * The row checker bulk edit and the import share: the instance's validators (all of them, or all
 * but `skip`), then the model's beforeCreate / beforeUpdate hooks, as a form's save runs them.
 * Answers per-field messages (added to `errors`); anything that is not about the input is thrown.
 * `hooksAfterInvalid`: run the hooks even when a validator refused, to report every message at once.
 */
export async function checkInstance(
  model: ModelStatic<Model>,
  definition: ResourceDefinition,
  instance: Model,
  options: { skip?: string[]; hookOptions: Record<string, unknown>; errors?: Record<string, string>; hooksAfterInvalid?: boolean },
): Promise<Record<string, string>> {
  const errors = options.errors ?? {}
  const collect = (error: unknown) => {
    const fieldErrors = fieldErrorsFrom(error, definition)
    if (!fieldErrors) throw error
    for (const [name, { message }] of Object.entries(fieldErrors)) errors[name] ??= message
  }
  try {
    await instance.validate(options.skip && { skip: options.skip })
  } catch (error) {
    collect(error)
    if (!options.hooksAfterInvalid) return errors
  }
  try {
    // Sequelize's own hook runner (not in its typings): what a per-row save runs.
    await (model as unknown as HookRunner).runHooks(instance.isNewRecord ? 'beforeCreate' : 'beforeUpdate', instance, options.hookOptions)
  } catch (error) {
    collect(error)
  }
  return errors
}

const isSet = (value: unknown) => value !== null && value !== undefined && value !== ''

/**
 * Checks `values` against every row as the edit form's update would: the touched attributes'
 * validators, then the model's beforeUpdate hooks (paired fields, read-only once set, active
 * references) with the stored row (at least its id and attributesToCheck). `everyRow` adds errors
 * that hold for every row (a role rule).
 *
 * A row that already has a different value in a touched set-once field (currency) is `skipped`:
 * "set where none is set yet" is what a bulk change of such a field means, so those rows are left
 * alone and reported instead of refusing the whole change. Any other broken rule is an `error`.
 */
export async function checkRows(
  model: ModelStatic<Model>,
  definition: ResourceDefinition,
  rows: Record<string, unknown>[],
  values: Record<string, unknown>,
  options: { transaction?: Transaction; everyRow?: Record<string, string> } = {},
): Promise<RowCheck[]> {
  const fields = fieldMap(definition)
  const touched = Object.keys(values)
  const setOnce = touched.filter((name) => fields.get(name)?.readOnlyOnceSet)
  const skip = Object.keys(model.getAttributes()).filter((name) => !touched.includes(name))
  // Shared by every row: a referenced manager or product is looked up once, not once per row.
  const hookOptions = { transaction: options.transaction, referenceLookups: new Map(), fields: touched }
  const checks: RowCheck[] = []
  // The checks are CPU work: others' requests come first.
  const pace = bulkShareOf(model.sequelize!).interactive.pacer()
  for (const [i, row] of rows.entries()) {
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await pace()
    const instance = model.build(asSet(row, fields), { isNewRecord: false, raw: true })
    instance.set(values)
    const everyRow = { ...options.everyRow }
    const alreadySet = Object.keys(everyRow).length ? [] : setOnce.filter((name) => isSet(instance.previous(name as never)) && instance.get(name) !== instance.previous(name as never))
    if (alreadySet.length) {
      checks.push({ id: Number(row.id), row, action: 'skipped', errors: {}, skipped: Object.fromEntries(alreadySet.map((name) => [name, ALREADY_SET])), values: {} })
      continue
    }
    const errors = await checkInstance(model, definition, instance, { skip, hookOptions, errors: everyRow })
    const changed = touched.some((name) => instance.changed(name as never))
    checks.push({
      id: Number(row.id),
      row,
      action: Object.keys(errors).length ? 'error' : changed ? 'update' : 'unchanged',
      errors,
      values: Object.fromEntries(touched.map((name) => [name, instance.get(name)])),
    })
  }
  return checks
}

/**
 * Writes the rows checked as `update`: UPDATEs of up to WRITE_CHUNK rows per distinct set of
 * values (normally exactly one), limited to `within` as well (the user's row scope), in the caller's transaction. The
 * per-row hooks already ran in checkRows; the UPDATE skips them on purpose.
 */
export async function writeRows(
  model: ModelStatic<Model>,
  checks: RowCheck[],
  within: WhereOptions,
  transaction: Transaction,
): Promise<number> {
  const groups = new Map<string, { values: Record<string, unknown>; ids: number[] }>()
  for (const check of checks) {
    if (check.action !== 'update') continue
    const key = JSON.stringify(check.values)
    const group = groups.get(key) ?? { values: check.values, ids: [] }
    group.ids.push(check.id)
    groups.set(key, group)
  }
  let written = 0
  const pace = bulkShareOf(model.sequelize!).interactive.pacer()
  for (const { values, ids } of groups.values()) {
    for (let start = 0; start < ids.length; start += WRITE_CHUNK) {
      const [count] = await model.update(values, {
        where: { [Op.and]: [{ id: { [Op.in]: ids.slice(start, start + WRITE_CHUNK) } }, within] },
        hooks: false,
        validate: false,
        transaction,
      })
      written += count
      await pace()
    }
  }
  return written
}
