import { QueryTypes, type Sequelize, type Transaction } from 'sequelize'
import { bulkShareOf } from '../db/bulk-share.js'
import { columnName } from '../fields/model.js'
import { chunks, type ImportOptions } from './import-options.js'
import type { Checked } from './import-report.js'

/**
 * Writing: the rows checked as `create` and `update`, in the apply's transaction, a chunk of the
 * file at a time as it is checked, a few set-based statements per chunk instead of a save per row.
 * Rows checked `unchanged` are not written at all (no updated_at, no history entry, no new
 * version). The database triggers still run per row.
 */

/** Rows per INSERT / UPDATE statement. */
const WRITE_CHUNK = 2000

/** The table's column types, for typing the JSON rows the statements read from. */
async function columnTypes(sequelize: Sequelize, table: string, transaction: Transaction) {
  const rows = (await sequelize.query(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = CAST(:table AS regclass) AND attnum > 0 AND NOT attisdropped`,
    { replacements: { table }, type: QueryTypes.SELECT, transaction },
  )) as { name: string; type: string }[]
  return new Map(rows.map((row) => [row.name, row.type]))
}

/** Creates with INSERT … SELECT and updates with UPDATE … FROM, each reading a JSON array of rows. */
export function rowWriter(options: ImportOptions, transaction: Transaction) {
  const { model, definition } = options
  const sequelize = model.sequelize!
  let types: Map<string, string> | undefined
  // Each statement is the database's CPU: between them, others' requests come first.
  const pace = bulkShareOf(sequelize).interactive.pacer()
  return async (checked: Checked[], hashes: Map<number, string>) => {
    types ??= await columnTypes(sequelize, definition.table, transaction)
    await writeChunk(checked, hashes, options, transaction, types, pace)
  }
}

async function writeChunk(checked: Checked[], hashes: Map<number, string>, options: ImportOptions, transaction: Transaction, types: Map<string, string>, pace: () => Promise<void>) {
  const { model, definition } = options
  const sequelize = model.sequelize!
  const hashAttribute = definition.passwordHash?.attribute
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`
  const recordset = (attributes: string[]) => attributes.map((name) => `${quote(columnName(name))} ${types.get(columnName(name))}`).join(', ')

  const creates = checked.filter((row) => row.action === 'create')
  if (creates.length) {
    const attributes = [...new Set([...Object.keys(creates[0].values), ...(hashAttribute ? [hashAttribute] : [])])].filter((name) => types.has(columnName(name)))
    const list = attributes.map((name) => quote(columnName(name))).join(', ')
    for (const part of chunks(creates, WRITE_CHUNK)) {
      const rows = part.map((row) => {
        const json: Record<string, unknown> = {}
        for (const name of attributes) json[columnName(name)] = name === hashAttribute ? hashes.get(row.row) : row.values[name]
        return json
      })
      await sequelize.query(
        `INSERT INTO ${quote(definition.table)} (${list}, created_at, updated_at) SELECT ${list}, now(), now() FROM jsonb_to_recordset($1::jsonb) AS r(${recordset(attributes)})`,
        { bind: [JSON.stringify(rows)], transaction },
      )
      await pace()
    }
  }

  const updates = checked.filter((row) => row.action === 'update')
  // Rows of one file touch the same columns; grouped anyway, as a row's password is optional.
  const groups = new Map<string, Checked[]>()
  for (const row of updates) {
    const attributes = [...Object.keys(row.values), ...(row.password && hashAttribute ? [hashAttribute] : [])].filter((name) => types.has(columnName(name)))
    const key = attributes.join(',')
    const group = groups.get(key)
    if (group) group.push(row)
    else groups.set(key, [row])
  }
  for (const [key, rows] of groups) {
    const attributes = key ? key.split(',') : []
    const set = [...attributes.map((name) => `${quote(columnName(name))} = r.${quote(columnName(name))}`), 'updated_at = now()'].join(', ')
    for (const part of chunks(rows, WRITE_CHUNK)) {
      const json = part.map((row) => {
        const values: Record<string, unknown> = { id: row.id }
        for (const name of attributes) values[columnName(name)] = name === hashAttribute ? hashes.get(row.row) : row.values[name]
        return values
      })
      await sequelize.query(
        `UPDATE ${quote(definition.table)} AS t SET ${set} FROM jsonb_to_recordset($1::jsonb) AS r(id integer${attributes.length ? `, ${recordset(attributes)}` : ''}) WHERE t.id = r.id`,
        { bind: [JSON.stringify(json)], transaction },
      )
      await pace()
    }
  }
}
