import { ActionDecorator, ResourceDecorator, type CurrentAdmin } from 'adminjs'

// Why: AdminJS offers no hook to cache an action's layout or a resource's flattened properties, so
// ActionDecorator.prototype.layout and ResourceDecorator.prototype.getFlattenProperties are
// replaced process-wide (ActionDecorator.toJSON calls the first for every action of every record).

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

/**
 * ResourceDecorator.getFlattenProperties rebuilds its object by spreading it once per property on
 * every call, and AdminJS's populator calls it for every record page (4 % of a show's CPU, measured).
 * A decorator's properties are set once, when it is built: the result is kept per properties object.
 */
export function memoizeFlattenProperties() {
  const prototype = ResourceDecorator.prototype as unknown as {
    properties: object
    getFlattenProperties: () => Record<string, unknown>
    __flattenMemoized?: boolean
  }
  if (prototype.__flattenMemoized) return
  const flatten = prototype.getFlattenProperties
  const cache = new WeakMap<object, Record<string, unknown>>()
  prototype.getFlattenProperties = function getFlattenProperties(this: typeof prototype) {
    let flattened = cache.get(this.properties)
    if (!flattened) cache.set(this.properties, (flattened = flatten.call(this)))
    return flattened
  }
  prototype.__flattenMemoized = true
}
