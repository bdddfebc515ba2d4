import { Utils, type Model, type ModelStatic, type WhereOptions } from 'sequelize'

// Why: Sequelize has no public way to get a SELECT's text without running it, and the list engine
// wraps that text (counts, EXPLAIN, page cuts, FOR UPDATE); so this calls the query interface's
// private `queryGenerator.selectQuery` and the helper that maps attribute names to columns.

/** Generated texts by model, keyed by their inputs (see shapeKey); the oldest go first. */
const generated = new WeakMap<object, Map<string, string>>()
const KEPT_PER_MODEL = 1_000

/**
 * A text that determines the query's inputs, or undefined where one of them is something other
 * than plain data (a Date, a Sequelize function or column): those are generated every time.
 * Values keep their type (1 and "1" differ); Op's keys are registered symbols, named by their
 * description; a literal is its SQL.
 */
function shapeKey(value: unknown): string | undefined {
  // Numbers by String: JSON writes NaN and Infinity as null, which Sequelize writes otherwise.
  if (typeof value === 'number') return `n${String(value)}`
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value)
  if (value === undefined) return 'u'
  if (Array.isArray(value)) {
    const parts: string[] = []
    for (const item of value) {
      const part = shapeKey(item)
      if (part === undefined) return undefined
      parts.push(part)
    }
    return `[${parts.join(',')}]`
  }
  if (value instanceof Utils.Literal && value.constructor === Utils.Literal) {
    return typeof (value as { val: unknown }).val === 'string' ? `L${JSON.stringify((value as { val: string }).val)}` : undefined
  }
  if (typeof value !== 'object' || (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null)) return undefined
  const parts: string[] = []
  for (const key of Reflect.ownKeys(value)) {
    let name: string
    if (typeof key === 'symbol') {
      const registered = Symbol.keyFor(key)
      if (registered === undefined) return undefined
      name = `@${JSON.stringify(registered)}`
    } else name = JSON.stringify(key)
    const part = shapeKey((value as Record<string | symbol, unknown>)[key])
    if (part === undefined) return undefined
    parts.push(`${name}:${part}`)
  }
  return `{${parts.join(',')}}`
}

/** The SELECT Sequelize's findAll would send for these attributes and conditions (no trailing semicolon). */
export function selectSql(
  model: ModelStatic<Model>,
  table: string,
  attributes: Array<string | [unknown, string]>,
  where: WhereOptions,
  limit?: number,
  offset?: number,
  order?: [string, string][],
): string {
  // A list page asks the same question again and again (with the same row scope, filters and
  // page); generating its text was a tenth of the list action's CPU.
  const key = shapeKey([table, attributes, where, limit, offset, order])
  let cache = generated.get(model)
  if (!cache) generated.set(model, (cache = new Map()))
  const known = key === undefined ? undefined : cache.get(key)
  if (known !== undefined) return known
  // Copies: the query generator rewrites the order entries it is given.
  const orderCopy = order?.map(([name, direction]) => [name, direction])
  const options = Utils.mapOptionFieldNames({ attributes: [...new Set(attributes)] as string[], where, limit, offset, order: orderCopy }, model as never)
  const generator = (model.sequelize!.getQueryInterface() as any).queryGenerator
  const sql = String(generator.selectQuery(table, options, model)).replace(/;\s*$/, '')
  if (key !== undefined) {
    cache.set(key, sql)
    if (cache.size > KEPT_PER_MODEL) cache.delete(cache.keys().next().value!)
  }
  return sql
}
