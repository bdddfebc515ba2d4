import http from 'node:http'
import pg from 'pg'
import { listPage, selectLists, showRecord, type ListQuery } from './sql.js'
import { dashboardOnPg } from './dashboard-sql.js'

/**
 * The baseline: node:http and a bare `pg` Pool of 10 running the same SQL the app runs for each
 * read scenario (see sql.ts), answering JSON. No framework, no session, no rights check.
 *   GET /health
 *   GET /list?page=1[&login=…][&company=…][&email=…][&q=…][&managerId=…]
 *   GET /show/<id>
 *   GET /dashboard[?managerId=…] (the home page's own statements and shaping, on bare `pg`)
 * Started by bench/run.ts with DATABASE_URL and PORT; listens on 127.0.0.1 only.
 */

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 })
const columns = await selectLists(pool)

const send = (res: http.ServerResponse, status: number, body: unknown) => {
  const json = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) })
  res.end(json)
}

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (url.pathname === '/health') return send(res, 200, { status: 'ok' })
    if (url.pathname === '/list') {
      const param = (name: string) => url.searchParams.get(name) || undefined
      const query: ListQuery = {
        page: Math.max(1, Number(param('page') ?? 1) || 1),
        login: param('login'),
        company: param('company'),
        email: param('email'),
        q: param('q'),
        managerId: param('managerId') === undefined ? undefined : Number(param('managerId')),
      }
      return send(res, 200, await listPage(pool, columns, query))
    }
    if (url.pathname === '/dashboard') return send(res, 200, await dashboardOnPg(pool, url.searchParams.get('managerId')))
    const show = /^\/show\/(\d+)$/.exec(url.pathname)
    if (show) return send(res, 200, await showRecord(pool, columns, Number(show[1])))
    send(res, 404, { error: 'Not found' })
  } catch (error) {
    send(res, 500, { error: String(error) })
  }
})
server.keepAliveTimeout = 65_000
server.listen(Number(process.env.PORT), '127.0.0.1')

const stop = () => {
  server.close(() => pool.end().finally(() => process.exit(0)))
  server.closeAllConnections()
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
