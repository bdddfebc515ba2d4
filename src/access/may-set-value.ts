import type { CurrentAdmin } from 'adminjs'
import type { ValueRule } from '../resources/registry.js'
import { checkRole } from './check-role.js'

/**
 * The rule that refuses this user setting `field` to `value` (only an administrator approves), or
 * undefined when none does. Keeping a value already stored is no setting.
 */
export const valueRuleAgainst = (
  rules: readonly ValueRule[] | undefined,
  currentAdmin: CurrentAdmin | undefined,
  field: string,
  value: unknown,
): ValueRule | undefined =>
  rules?.find((rule) => rule.field === field && String(value) === rule.value && !checkRole(currentAdmin, ...rule.setBy))
