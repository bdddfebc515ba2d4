import { Op, type Model, type ModelStatic, type Transaction, type WhereOptions } from 'sequelize'
import { bulkShareOf } from '../db/bulk-share.js'
import { fieldErrorsFrom } from './errors.js'
import { kinds, type FieldDef } from './kinds.js'
import { fieldMap, fieldsOf, rowLocalHooks, type ResourceDefinition } from './model.js'

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

type Hooked = { options?: { hooks?: Record<string, Array<Function | { fn: Function }>> } }
/** The hooks a row's check runs: its validation's and beforeUpdate's. */
const CHECK_HOOKS = ['beforeValidate', 'afterValidate', 'validationFailed', 'beforeUpdate']

/**
 * The row attributes a check's verdict can depend on, when it depends on nothing else: undefined
 * when a hook of the model (or of Sequelize) might read more than the instance (the database by
 * id, say), or when a touched field is virtual (a password: its hash is salted per row). Otherwise
 * the fields the change touches and those their rules tie to, and any other field with a rule that
 * looks at the stored row or at another field; never the id, nor an inert title read for the report.
 */
function verdictAttributes(model: ModelStatic<Model>, definition: ResourceDefinition, touched: string[]): Set<string> | undefined {
  const hooksOf = (owner: Hooked | undefined, type: string) => (owner?.options?.hooks?.[type] ?? []).map((hook) => (typeof hook === 'function' ? hook : hook.fn))
  const onlyRowLocal = CHECK_HOOKS.every((type) => [...hooksOf(model as Hooked, type), ...hooksOf(model.sequelize as Hooked, type)].every((hook) => rowLocalHooks.has(hook)))
  const fields = fieldMap(definition)
  if (!onlyRowLocal || touched.some((name) => !fields.get(name) || kinds[fields.get(name)!.kind].virtual)) return undefined
  const names = new Set(attributesToCheck(definition, touched))
  for (const [name, def] of fields) if (def.confirms || def.pairedWith || def.readOnlyOnceSet || def.references) names.add(name)
  return names
}

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
  // Rows alike in every attribute the verdict depends on get the first one's verdict: a change of
  // one status checks two kinds of row, not 10,000 (each check ~0.17 ms of the event loop's time).
  const verdictOf = verdictAttributes(model, definition, touched)
  const verdicts = new Map<string, Omit<RowCheck, 'id' | 'row'>>()
  const keyOf = (row: Record<string, unknown>) => (verdictOf ? JSON.stringify(Object.keys(row).filter((name) => name !== 'id' && (verdictOf.has(name) || !fields.has(name))).map((name) => [name, row[name]])) : undefined)
  // The checks are CPU work: others' requests come first.
  const pace = bulkShareOf(model.sequelize!).interactive.pacer()
  for (const row of rows) {
    if (pace.due()) await pace()
    const key = keyOf(row)
    const known = key === undefined ? undefined : verdicts.get(key)
    if (known) {
      checks.push({ id: Number(row.id), row, ...known, errors: { ...known.errors }, values: { ...known.values }, ...(known.skipped && { skipped: { ...known.skipped } }) })
      continue
    }
    const instance = model.build(asSet(row, fields), { isNewRecord: false, raw: true })
    instance.set(values)
    const everyRow = { ...options.everyRow }
    const alreadySet = Object.keys(everyRow).length ? [] : setOnce.filter((name) => isSet(instance.previous(name as never)) && instance.get(name) !== instance.previous(name as never))
    let verdict: Omit<RowCheck, 'id' | 'row'>
    if (alreadySet.length) {
      verdict = { action: 'skipped', errors: {}, skipped: Object.fromEntries(alreadySet.map((name) => [name, ALREADY_SET])), values: {} }
    } else {
      const errors = await checkInstance(model, definition, instance, { skip, hookOptions, errors: everyRow })
      const changed = touched.some((name) => instance.changed(name as never))
      verdict = {
        action: Object.keys(errors).length ? 'error' : changed ? 'update' : 'unchanged',
        errors,
        values: Object.fromEntries(touched.map((name) => [name, instance.get(name)])),
      }
    }
    if (key !== undefined) verdicts.set(key, verdict)
    checks.push({ id: Number(row.id), row, ...verdict, ...(key !== undefined && { errors: { ...verdict.errors }, values: { ...verdict.values } }) })
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
