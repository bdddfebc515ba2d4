import { ValidationError, type ActionContext, type ActionRequest, type Before } from 'adminjs'
import type { Sequelize } from 'sequelize'
import { mayChooseOwner, resetsFor, valueRuleAgainst } from '../../access/index.js'
import { fieldMap } from '../../fields/model.js'
import { entryOf, type ResourceEntry } from '../../resources/registry.js'

/**
 * The write rules a registry entry declares, as before hooks of its new and edit actions (the
 * routes every panel write goes through), so that a resource gets them without code of its own:
 * - ownership: the record a row is owned through must be the user's own (a manager's sender name
 *   goes under one of their clients),
 * - reset rules: a manager's rename of an approved sender name sends it back to pending,
 * - value rules: only an administrator sets `status` to `approved`.
 * Every refusal is a message on its field; nothing is saved.
 */
export function declaredRules(entry: ResourceEntry, sequelize: Sequelize): Before[] {
  const { definition } = entry
  const fields = fieldMap(definition)
  const refuse = (field: string, message: string) => {
    throw new ValidationError({ [field]: { message, type: 'forbidden' } }, { message: 'Please correct the marked fields' })
  }

  const ownerMustBeYours: Before = async (request: ActionRequest, context: ActionContext) => {
    const field = definition.ownedThrough
    if (request.method !== 'post' || !request.payload || !field || !(field in request.payload)) return request
    const stored = context.record?.params[field]
    const chosen = request.payload[field]
    if (stored !== undefined && String(stored) === String(chosen)) return request
    if (!(await mayChooseOwner(sequelize, definition.name, chosen, context.currentAdmin))) {
      const target = entryOf(fields.get(field)?.references?.resource)
      refuse(field, `Choose one of your own ${(target?.plural ?? 'records').toLowerCase()}`)
    }
    return request
  }

  const resets: Before = async (request: ActionRequest, context: ActionContext) => {
    const stored = context.record?.params
    if (request.method !== 'post' || !request.payload || !stored) return request
    return { ...request, payload: { ...request.payload, ...resetsFor(entry.resetRules, context.currentAdmin, stored, request.payload) } }
  }

  const valueRules: Before = async (request: ActionRequest, context: ActionContext) => {
    if (request.method !== 'post' || !request.payload) return request
    for (const [field, value] of Object.entries(request.payload)) {
      const stored = context.record?.params[field]
      if (stored !== undefined && String(stored) === String(value)) continue
      const rule = valueRuleAgainst(entry.valueRules, context.currentAdmin, field, value)
      if (rule) refuse(field, rule.message)
    }
    return request
  }

  return [ownerMustBeYours, resets, valueRules]
}
