/**
 * The embedded database serves many connections from one PGlite backend (src/db/embedded*). Each
 * connection must get its own answers: parameterised queries from several connections at once
 * (Parse/Bind/Execute/Sync sequences, as pg sends them for connect-pg-simple, pg-boss and bound
 * Sequelize queries) and a transaction beside them.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../src/db/embedded.js'

describe('the embedded database with several connections', () => {
  let embedded: EmbeddedDatabase
  let clients: pg.Client[]

  before(async () => {
    embedded = await startEmbeddedDatabase(undefined)
    clients = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const client = new pg.Client({ connectionString: embedded.url })
        await client.connect()
        return client
      }),
    )
  })
  after(async () => {
    await Promise.all(clients.map((client) => client.end()))
    await embedded.stop()
  })

  test('parameterised queries on different connections at once each get their own rows', async () => {
    // One connection's sequence spans many TCP reads (a large parameter, like an uploaded file):
    // the others' queries arrive while it is half received.
    const large = 'y'.repeat(8_000_000)
    let largeDone = false
    const asked: Promise<void>[] = [
      clients[0].query('SELECT length($1::text) AS length, $2::int AS tag', [large, 7]).then(({ rows }) => {
        largeDone = true
        assert.deepEqual(rows, [{ length: large.length, tag: 7 }])
      }),
    ]
    for (const [index, client] of clients.slice(1).entries()) {
      asked.push(
        (async () => {
          for (let round = 0; !largeDone || round < 5; round++) {
            const { rows } = await client.query(`SELECT $1::int AS value, $2::int + $3::int AS sum_${index}`, [round, index, 1])
            assert.deepEqual(rows, [{ value: round, [`sum_${index}`]: index + 1 }])
          }
        })(),
      )
    }
    for (let round = 0; round < 50; round++) {
      clients.forEach((client, index) => {
        const value = round * 10 + index
        asked.push(
          // A different statement per connection, so a borrowed statement or portal shows in the answer.
          client.query(`SELECT $1::int AS value, repeat($2::text, $3::int) AS filler_${index}`, [value, 'x', index + 1]).then(({ rows }) => {
            assert.deepEqual(rows, [{ value, [`filler_${index}`]: 'x'.repeat(index + 1) }])
          }),
        )
      })
    }
    await Promise.all(asked)
  })

  test('a query from another connection never runs inside an open transaction', async () => {
    const [writer, reader] = clients
    await writer.query('CREATE TABLE IF NOT EXISTS probe (n int)')
    await writer.query('BEGIN')
    await writer.query('INSERT INTO probe VALUES ($1)', [1])
    const read = reader.query('SELECT count(*)::int AS n FROM probe WHERE n = $1', [1])
    assert.deepEqual((await writer.query('SELECT count(*)::int AS n FROM probe')).rows, [{ n: 1 }])
    await writer.query('ROLLBACK')
    // Run inside the writer's transaction, the read would have counted the row that was rolled back.
    assert.deepEqual((await read).rows, [{ n: 0 }])
  })
})
