import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TLSSocket } from 'node:tls'
import type { CurrentAdmin } from 'adminjs'
import { parse as parseCookies, serialize as serializeCookie } from 'cookie'
import { unsign } from 'cookie-signature'
import session from 'express-session'
import type pg from 'pg'
import { startTime } from 'pino-http'
import type { Account } from '../account/account-routes.js'
import { nameProblem } from '../http/request-bodies.js'
import { withStatementAhead } from '../db/select-rows.js'
import { statusOnlyResponse, type apiReads, type ApiAnswer, type StatusOnlyResponse } from '../panel/adminjs-internals/api-reads.js'
import { cspNonceLocals, freshNonce } from '../panel/adminjs-internals/safe-pages.js'
import { readSession, rightsOf, sessionOfRow, sessionStatement, type FoundSession } from './session-rights.js'

/**
 * The panel's hot reads (a resource's list, a record's page, the home page's data) answered in
 * front of Express. Express's whole stack with express-session costs about twice the CPU of the
 * bare-pg baseline's entire list request (docs/benchmarks.md, issue #30), and answering the same
 * reads inside Express (in front of AdminJS's router) saved nothing; this lane skips the stack.
 *
 * It answers only the plain case, exactly as Express would have: a GET of one of those exact
 * paths, no body, a correctly signed session cookie, a stored session whose user is active with an
 * unchanged password and rights, nothing for the session guard to do, no session write due (the
 * store's touch), and an action that answers 200. Everything else (no or forged cookie, an ended
 * session, a deactivated user, two-factor pending, a refused query, any error) goes on to Express
 * untouched, which then answers it as it always has. The session and account are read by the same
 * statement as the session store's (sent with the action's first read where the session's user is
 * known from its last answer: see `guessed`), checked by the same functions as the rights
 * middleware, and the answer is AdminJS's own action's (panel/adminjs-internals/api-reads.ts). The response has
 * the headers Express's path gives it: helmet's (with a fresh CSP nonce), x-request-id and the
 * request log line (pino-http's own middleware), the JSON content type, and the rolling session's
 * cookie with its new expiry.
 */

type Read =
  | { kind: 'list'; resourceId: string; query: string }
  | { kind: 'show'; resourceId: string; recordId: string; query: string }
  | { kind: 'dashboard'; query: string }

const LIST = /^\/admin\/api\/resources\/([A-Za-z][A-Za-z0-9]*)\/actions\/list(?:\?(.*))?$/s
const SHOW = /^\/admin\/api\/resources\/([A-Za-z][A-Za-z0-9]*)\/records\/([1-9][0-9]{0,14})\/show(?:\?(.*))?$/s
const DASHBOARD = /^\/admin\/api\/dashboard(?:\?(.*))?$/s
// Characters on which parseurl (Express's query) leaves its fast path: such URLs go to Express.
const UNUSUAL_URL = /[\s#\ufeff]/

/** The read a URL asks for, when it is spelled exactly as the panel sends it. */
export function readOf(url: string, resourceIds: ReadonlySet<string>): Read | undefined {
  if (!url.startsWith('/admin/api/') || UNUSUAL_URL.test(url)) return undefined
  let match = LIST.exec(url)
  if (match) return resourceIds.has(match[1]) ? { kind: 'list', resourceId: match[1], query: match[2] ?? '' } : undefined
  match = SHOW.exec(url)
  if (match) return resourceIds.has(match[1]) ? { kind: 'show', resourceId: match[1], recordId: match[2], query: match[3] ?? '' } : undefined
  match = DASHBOARD.exec(url)
  return match ? { kind: 'dashboard', query: match[1] ?? '' } : undefined
}

// express-session's Cookie takes the stored attributes (its typings declare no argument).
const StoredCookie = session.Cookie as unknown as new (stored: unknown) => session.Cookie

type Middleware = (req: any, res: any, next: (error?: unknown) => void) => void

/**
 * The headers a middleware that sets the same headers on every response (helmet) sets, worked
 * out once on a stand-in response; the CSP nonce's place is kept, to put each response's in.
 */
export function fixedHeaders(middleware: Middleware): (nonce: string) => [string, string][] {
  const marker = `NONCEMARKER${Date.now()}`
  const headers = new Map<string, string>()
  const standIn = {
    locals: cspNonceLocals(marker),
    setHeader: (name: string, value: unknown) => headers.set(name, String(value)),
    removeHeader: (name: string) => headers.delete(name),
    getHeader: (name: string) => headers.get(name),
  }
  middleware({ headers: {}, method: 'GET', url: '/' }, standIn, (error) => {
    if (error) throw error
  })
  const parts = [...headers].map(([name, value]) => [name, value.split(marker)] as const)
  return (nonce) => parts.map(([name, pieces]) => [name, pieces.join(nonce)])
}

export type FastReadLaneOptions = {
  reads: ReturnType<typeof apiReads>
  resourceIds: ReadonlySet<string>
  sessionPool: pg.Pool
  /** Whether the session store would write this session's expiry on this request. */
  touchIsDue: (sid: string) => boolean
  cookieName: string
  secret: string
  guardStep: Account['guardStep']
  interactive: { started: () => () => void }
  /** pino-http's middleware, the same instance Express runs. */
  httpLogger: (req: IncomingMessage, res: ServerResponse) => void
  /** Whether pino-http would log a 200 (the logger's level is info or lower). */
  logsSuccess: () => boolean
  /** pino-http's genReqId: the request's id, also set as the x-request-id header. */
  requestId: (req: IncomingMessage, res: ServerResponse) => unknown
  securityHeaders: (nonce: string) => [string, string][]
  /** Express's query parser (app.get('query parser fn')). */
  parseQuery: (text: string) => Record<string, unknown>
  /** Express's trust proxy check (app.get('trust proxy fn')). */
  trustsProxy: (address: string | undefined, hop: number) => boolean
}

/** A request the lane may take: answered (resolves true), or left untouched for Express (false). */
export function createFastReadLane(options: FastReadLaneOptions) {
  const { reads, resourceIds, cookieName, secret } = options
  let answeredCount = 0
  // The session's user (as JSON) when the lane last answered it: see `guessed` in answer.
  const lastAdmins = new Map<string, string>()
  const remember = (sid: string, admin: string) => {
    lastAdmins.delete(sid)
    lastAdmins.set(sid, admin)
    if (lastAdmins.size > 10_000) lastAdmins.delete(lastAdmins.keys().next().value!)
  }
  const forget = (sid: string) => {
    lastAdmins.delete(sid)
    return false
  }

  /** The read's action, run for this user: its answer, and the status it set (if any). */
  async function run(read: Read, query: Record<string, unknown>, currentAdmin: CurrentAdmin): Promise<{ answered: ApiAnswer; response: StatusOnlyResponse }> {
    const response = statusOnlyResponse()
    const answered =
      read.kind === 'list'
        ? await reads.list(read.resourceId, query, currentAdmin, response)
        : read.kind === 'show'
          ? await reads.show(read.resourceId, read.recordId, query, currentAdmin, response)
          : await reads.dashboard(query, currentAdmin, response)
    return { answered, response }
  }
  // A cookie's signature check is a pure function of the cookie and the secret: each one that
  // passed is remembered (an HMAC per request was 2 % of a list's CPU).
  const verified = new Map<string, string>()

  /** The session id of a correctly signed session cookie, as express-session reads it (getcookie). */
  function sessionIdOf(req: IncomingMessage): { sid: string; signed: string } | undefined {
    const header = req.headers.cookie
    if (!header) return undefined
    const raw = parseCookies(header)[cookieName]
    if (!raw || raw.slice(0, 2) !== 's:') return undefined
    const known = verified.get(raw)
    if (known !== undefined) return { sid: known, signed: raw }
    const sid = unsign(raw.slice(2), secret)
    if (sid === false) return undefined
    verified.set(raw, sid)
    if (verified.size > 10_000) verified.delete(verified.keys().next().value!)
    return { sid, signed: raw }
  }

  /** Express's req.secure, which express-session consults before it sends a secure cookie. */
  function isSecure(req: IncomingMessage) {
    if ((req.socket as TLSSocket).encrypted) return true
    if (!options.trustsProxy(req.socket.remoteAddress, 0)) return false
    const header = req.headers['x-forwarded-proto']
    return typeof header === 'string' && header.split(',')[0].trim() === 'https'
  }

  /** Whether this request is one the lane may try; only then is `answer` called. */
  function takes(req: IncomingMessage): Read | undefined {
    if (req.method !== 'GET' || !req.url) return undefined
    // A body (Express would close the connection after answering) or a conditional request
    // (Express's freshness check can answer 304): not the plain case.
    const { headers } = req
    if (headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0')) return undefined
    if (headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined) return undefined
    if (!headers.cookie) return undefined
    return readOf(req.url, resourceIds)
  }

  async function answer(req: IncomingMessage, res: ServerResponse, read: Read): Promise<boolean> {
    const startedAt = Date.now()
    const done = options.interactive.started()
    res.once('close', done)
    let body: Buffer | undefined
    let cookie: string | undefined
    try {
      const signedId = sessionIdOf(req)
      // A session whose expiry the store would write now is Express's: known before it is read.
      if (!signedId || options.touchIsDue(signedId.sid)) return false
      const query = options.parseQuery(read.query)
      if (nameProblem(query)) return false
      // The user this session had at its last answer here: the action is run for that user with
      // the session statement sent ahead of its first read (one round trip for both), and its
      // answer kept only if the session then reads as that same user with every check passed;
      // otherwise the action runs again for the user read (or Express answers, as before).
      const guessed = lastAdmins.get(signedId.sid)
      let early: Awaited<ReturnType<typeof run>> | undefined
      let ahead: Record<string, unknown>[] | undefined
      if (guessed !== undefined) {
        try {
          ;({ result: early, ahead } = await withStatementAhead(sessionStatement(signedId.sid), () => run(read, query, JSON.parse(guessed))))
        } catch {
          // Left to the run for the user read below, which fails the same way if it was not the guess.
        }
      }
      const found: FoundSession | null = ahead ? sessionOfRow(ahead[0]) : await readSession(options.sessionPool, signedId.sid)
      const stored = found?.sess
      if (!found || !stored?.adminUser || !stored.cookie) return forget(signedId.sid)
      const rights = rightsOf(stored, found.account)
      if (rights.ended || rights.changed) return forget(signedId.sid)
      const url = req.url!
      const step = options.guardStep(stored, found.account!, { method: 'GET', path: url.slice('/admin'.length).split('?')[0], originalUrl: url })
      if (step.ended || step.held || Object.keys(step.changes).length) return forget(signedId.sid)
      // The rolling session's cookie, as express-session sends it on every answer: the stored
      // cookie's attributes (Store.createSession), its expiry moved to now + its max age.
      const sessionCookie = new StoredCookie(stored.cookie)
      if (typeof stored.cookie.expires === 'string') sessionCookie.expires = new Date(stored.cookie.expires)
      sessionCookie.originalMaxAge = stored.cookie.originalMaxAge
      if (sessionCookie.secure && !isSecure(req)) return forget(signedId.sid)
      // Session.touch, as express-session calls it before it sets the cookie.
      sessionCookie.maxAge = sessionCookie.originalMaxAge as number
      // express-session signs the id with the same (single) secret the cookie was just checked
      // against: that signature is the cookie's own value.
      cookie = cookieOf(cookieName, signedId.signed, sessionCookie)

      const admin = JSON.stringify(stored.adminUser)
      const { answered, response } = early && guessed === admin ? early : await run(read, query, stored.adminUser as unknown as CurrentAdmin)
      remember(signedId.sid, admin)
      // A refusal with its own status (a 400 for an unknown filter), or no answer: Express's to give.
      if (!answered || typeof answered !== 'object' || response.statusCode !== undefined) return false
      body = Buffer.from(JSON.stringify(answered))
    } catch {
      return false
    } finally {
      if (!body) done()
    }
    ;(res as ServerResponse & { [startTime]?: number })[startTime] = startedAt
    // The lane answers 200s only, which pino-http logs at info: below that level its per-request
    // child logger would log nothing, and only the id it sets as a header remains.
    if (options.logsSuccess()) options.httpLogger(req, res)
    else options.requestId(req, res)
    res.statusCode = 200
    for (const [name, value] of options.securityHeaders(freshNonce())) res.setHeader(name, value)
    res.setHeader('Content-Type', 'application/json; charset=utf-8')
    res.setHeader('Content-Length', body.length)
    res.setHeader('Set-Cookie', [cookie!])
    res.end(body)
    answeredCount += 1
    return true
  }

  return {
    takes,
    answer,
    /** How many requests the lane answered itself (the rest went to Express). */
    get answered() {
      return answeredCount
    },
  }
}

/** The Set-Cookie value express-session writes (setcookie): the signed id, the cookie's attributes. */
function cookieOf(name: string, signed: string, sessionCookie: session.Cookie): string {
  return serializeCookie(name, signed, (sessionCookie as unknown as { data: Record<string, unknown> }).data)
}
