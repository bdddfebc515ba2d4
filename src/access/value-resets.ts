import type { CurrentAdmin } from 'adminjs'
import type { ResetRule } from '../resources/registry.js'
import { checkRole } from './check-role.js'

/**
 * The values the reset rules put back when this user changes `changes` of the `stored` row: a
 * manager's rename of an approved sender name makes it pending again. One rule for the form
 * (declared-rules.ts), the import and the revert.
 */
export function resetsFor(
  rules: readonly ResetRule[] | undefined,
  currentAdmin: CurrentAdmin | undefined,
  stored: Record<string, unknown>,
  changes: Record<string, unknown>,
): Record<string, string> {
  const resets: Record<string, string> = {}
  for (const rule of rules ?? []) {
    if (!checkRole(currentAdmin, ...rule.by) || String(stored[rule.field]) !== rule.from) continue
    const changed = rule.fields.some((name) => name in changes && String(changes[name] ?? '') !== String(stored[name] ?? ''))
    if (changed) resets[rule.field] = rule.to
  }
  return resets
}
