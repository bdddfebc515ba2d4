import type { PGlite } from '@electric-sql/pglite'

// pglite-socket 0.2.17 multiplexes many connections onto PGlite's one backend, one protocol message
// at a time, and keeps a connection's messages together only inside a transaction (it asks
// `isInTransaction()` before picking the next message: electric-sql/pglite#1046). A parameterised
// query is a sequence (Parse, Bind, Describe, Execute … Sync) sharing the backend's unnamed statement
// and portal, so another connection's sequence in between replaces them and a query answers with
// someone else's rows: seen as a session read coming back empty while an import job ran. This view
// of the database reports "in a transaction" from the first message of a sequence until its Sync,
// so the queue serves that connection alone until then. (Relies on the queue's use of
// isInTransaction: test/embedded-database.test.ts fails if an upgrade changes it.)

/** Extended-query messages that leave a sequence open until Sync: Parse, Bind, Describe, Execute, Close, Flush. */
const OPENS_SEQUENCE = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((letter) => letter.charCodeAt(0)))

export function oneSequenceAtATime(db: PGlite): PGlite {
  let inSequence = false
  return new Proxy(db, {
    get(target, property) {
      if (property === 'isInTransaction') return () => inSequence || target.isInTransaction()
      if (property === 'execProtocolRawStream') {
        return (message: Uint8Array, options: Parameters<PGlite['execProtocolRawStream']>[1]) => {
          inSequence = OPENS_SEQUENCE.has(message[0])
          return target.execProtocolRawStream(message, options)
        }
      }
      // pglite-socket ends a dropped connection's transaction with exec('ROLLBACK'): its sequence ends too.
      if (property === 'exec') {
        return (...args: Parameters<PGlite['exec']>) => {
          inSequence = false
          return target.exec(...args)
        }
      }
      const value = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}
