import { Utils, type Model, type ModelStatic, type WhereOptions } from 'sequelize'

// Why: Sequelize has no public way to get a SELECT's text without running it, and the list engine
// wraps that text (counts, EXPLAIN, page cuts, FOR UPDATE); so this calls the query interface's
// private `queryGenerator.selectQuery` and the helper that maps attribute names to columns.

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
  // Copies: the query generator rewrites the order entries it is given.
  const orderCopy = order?.map(([name, direction]) => [name, direction])
  const options = Utils.mapOptionFieldNames({ attributes: [...new Set(attributes)] as string[], where, limit, offset, order: orderCopy }, model as never)
  const generator = (model.sequelize!.getQueryInterface() as any).queryGenerator
  return String(generator.selectQuery(table, options, model)).replace(/;\s*$/, '')
}
