import { ActionDecorator, type CurrentAdmin } from 'adminjs'

// Why: AdminJS offers no hook to cache an action's layout, so ActionDecorator.prototype.layout is
// replaced process-wide (ActionDecorator.toJSON calls it for every action of every record).

/**
 * AdminJS rebuilds and re-parses an action's form layout every time it serializes that action, and
 * it serializes every action of every record in a response: for a list of clients that is
 * thirty parses of a fifty-field layout per page, about 40 % of the list's CPU time (measured).
 * Our layouts depend on the user's role only, so each action keeps one parsed layout per role.
 */
export function memoizeLayoutsByRole() {
  const prototype = ActionDecorator.prototype as unknown as {
    layout: (currentAdmin?: CurrentAdmin) => unknown
    __layoutsMemoized?: boolean
  }
  if (prototype.__layoutsMemoized) return
  const parse = prototype.layout
  const cache = new WeakMap<object, Map<string, unknown>>()
  prototype.layout = function layout(this: object, currentAdmin?: CurrentAdmin) {
    let byRole = cache.get(this)
    if (!byRole) cache.set(this, (byRole = new Map()))
    const role = String(currentAdmin?.role ?? '')
    if (!byRole.has(role)) byRole.set(role, parse.call(this, currentAdmin))
    return byRole.get(role)
  }
  prototype.__layoutsMemoized = true
}
