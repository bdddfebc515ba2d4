import type { Socket } from 'node:net'
import querystring from 'node:querystring'
import busboy from 'busboy'
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express'
import getRawBody from 'raw-body'
import { isParsed, markParsed, type UploadedFile } from '../panel/adminjs-internals/formidable-parsed.js'

/**
 * Which requests to the panel may carry a body, how large, and reading it. AdminJS's router parses
 * every request with express-formidable before it checks the session, with no limits, and writes
 * uploads to the temp folder; it skips requests already marked as parsed, so here every request is
 * marked before it gets there: either parsed within its route's limit, or with nothing read at all.
 *
 * - Nobody signed in: only the login form is read (LOGIN_MAX_BYTES); any other body is left unread
 *   and its connection closed once the answer is out (closeUnreadBodies).
 * - Signed in: forms and JSON up to FORM_MAX_BYTES, no files; a route listed with its own rule
 *   (the client import) may take files up to its own limit.
 * - Too large: 413 as soon as it is known, from Content-Length or from the bytes counted so far.
 * - Nothing is written to disk: an uploaded file is kept in memory (`req.files.<field>`).
 */

export type BodyRule = { limit: number; files: boolean }
export type BodyRoute = { path: string; rule: BodyRule; anonymous?: boolean }

export const LOGIN_MAX_BYTES = 16 * 1024
export const FORM_MAX_BYTES = 256 * 1024
const MAX_FIELDS = 1000
/** The deepest nesting of objects and lists a JSON body may have: a form's fields are flat or one level down (`filters.login`). */
export const JSON_MAX_DEPTH = 16

export const httpError = (status: number, message: string) => Object.assign(new Error(message), { status, expose: true })
const tooLarge = (limit: number) => httpError(413, `The request is too large: this address accepts at most ${limit} bytes.`)

const hasBody = (req: Request) =>
  req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0')

/** How long a connection answered before its body was read stays half-open, unread, for the client to read the answer. */
const LINGER_MS = 2000

/**
 * For every route, anonymous or not: an answer that goes out before its request's body was read
 * to the end (a 401, a 413, a 429, a redirect to the login page…) says `Connection: close`, and
 * nothing more of the body is read. Node would otherwise read the rest to keep the connection
 * alive (however long the sender keeps sending), or reset it at once, before a client still
 * sending has read the answer. Here, once the answer is flushed, the connection is half-closed,
 * reading stops (the sender's writes stall on full buffers) and it is destroyed LINGER_MS later.
 * Installed before every route.
 */
export function closeUnreadBodies(req: Request, res: Response, next: NextFunction) {
  if (!hasBody(req)) return next()
  const writeHead = res.writeHead
  res.writeHead = function (this: Response, ...args: unknown[]) {
    if (!req.complete && !this.headersSent) {
      this.setHeader('Connection', 'close')
      // Whatever was still reading the body (a multipart parser) lets go of it.
      req.unpipe()
      stopReadingAfterAnswer(req.socket)
    }
    return (writeHead as (...a: unknown[]) => Response).apply(this, args)
  } as Response['writeHead']
  next()
}

type ServerSocket = Socket & { _paused?: boolean }

/**
 * Node's server ends a `Connection: close` answer with socket.destroySoon(), and before that
 * resumes the unread request to drain it. Here destroySoon half-closes instead, and the socket is
 * paused with the flag Node's HTTP server checks before it resumes reading (`_paused`, which it
 * sets itself between pipelined requests), so the drain reads nothing.
 */
function stopReadingAfterAnswer(socket: ServerSocket) {
  socket.destroySoon = function (this: ServerSocket) {
    this.end()
    this._paused = true
    this.pause()
    setTimeout(() => this.destroy(), LINGER_MS).unref()
  }
}

/**
 * Whether JSON text nests objects and lists deeper than `max`, by one pass over its characters:
 * a body nested thousands deep would otherwise overflow the stack of whatever walks it later
 * (AdminJS flattens every payload), a 500 instead of a 400.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // a backslash: the next character is escaped
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true
    } else if (c === 0x7d || c === 0x5d) depth--
  }
  return false
}

/** Marks the request as having no body; a body it carries anyway is never read. */
function leaveUnread(req: Request) {
  markParsed(req)
}

/** Reads a form, JSON or multipart body within `rule`, into `req.fields` / `req.files` as AdminJS expects them. */
export function readBody(rule: BodyRule): RequestHandler {
  return (req, res, next) => {
    if (isParsed(req)) return next()
    if (!hasBody(req)) {
      markParsed(req)
      return next()
    }
    // The answer closes the connection (closeUnreadBodies): the rest of the body is never read.
    const refuse = (error: Error) => next(error)
    if (Number(req.headers['content-length']) > rule.limit) return refuse(tooLarge(rule.limit))
    const encoding = req.headers['content-encoding']
    if (encoding && encoding.toLowerCase() !== 'identity') return refuse(httpError(415, 'Send the body uncompressed.'))
    const type = req.is(['urlencoded', 'json', 'multipart/form-data'])
    if (type === 'multipart/form-data') return readMultipart(req, res, rule, next)
    if (type !== 'urlencoded' && type !== 'json') return refuse(httpError(415, 'Send a form (urlencoded or multipart) or JSON.'))
    // raw-body stops at the limit and answers at once; body-parser would first read the rest of an
    // oversized body, however long the sender keeps it coming.
    getRawBody(req, { limit: rule.limit, length: req.headers['content-length'], encoding: 'utf-8' }, (error, text) => {
      if (error) return refuse((error as { type?: string }).type === 'entity.too.large' ? tooLarge(rule.limit) : httpError(400, 'The request body could not be read.'))
      let fields: unknown
      if (type === 'json') {
        if (nestsDeeperThan(text, JSON_MAX_DEPTH)) return next(httpError(400, `The request body nests objects or lists more than ${JSON_MAX_DEPTH} levels deep.`))
        try {
          fields = JSON.parse(text)
        } catch {
          return next(httpError(400, 'The request body is not valid JSON.'))
        }
      } else {
        // Flat field names (`filters.login`), repeated names as lists: as AdminJS's own parser reads a form.
        fields = querystring.parse(text, '&', '=', { maxKeys: MAX_FIELDS })
      }
      markParsed(req, fields && typeof fields === 'object' && !Array.isArray(fields) ? { ...(fields as Record<string, unknown>) } : {})
      next()
    })
  }
}

function readMultipart(req: Request, res: Response, rule: BodyRule, next: NextFunction) {
  let parser: busboy.Busboy
  try {
    parser = busboy({
      headers: req.headers,
      limits: { fieldSize: rule.limit, fileSize: rule.limit, fields: MAX_FIELDS, files: rule.files ? 10 : 0, parts: MAX_FIELDS + 10 },
    })
  } catch {
    return next(httpError(400, 'The multipart form could not be read.'))
  }
  const fields: Record<string, string> = {}
  const files: Record<string, UploadedFile> = {}
  let received = 0
  let settled = false
  const fail = (error: Error) => {
    if (settled) return
    settled = true
    req.unpipe(parser)
    parser.destroy()
    next(error)
  }
  req.on('data', (chunk: Buffer) => {
    received += chunk.length
    if (received > rule.limit) fail(tooLarge(rule.limit))
  })
  parser.on('field', (name, value, info) => {
    if (info.nameTruncated || info.valueTruncated) return fail(tooLarge(rule.limit))
    fields[name] = value
  })
  parser.on('file', (name, stream, info) => {
    const chunks: Buffer[] = []
    let size = 0
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > rule.limit) return fail(tooLarge(rule.limit))
      chunks.push(chunk)
    })
    stream.on('limit', () => fail(tooLarge(rule.limit)))
    stream.on('end', () => {
      files[name] = { name: info.filename ?? '', type: info.mimeType, size, buffer: Buffer.concat(chunks) }
    })
  })
  parser.on('filesLimit', () => fail(httpError(rule.files ? 413 : 400, rule.files ? 'Too many files.' : 'This address takes no file.')))
  parser.on('fieldsLimit', () => fail(httpError(413, 'Too many form fields.')))
  parser.on('partsLimit', () => fail(httpError(413, 'Too many form fields.')))
  parser.on('error', () => fail(httpError(400, 'The multipart form could not be read.')))
  parser.on('close', () => {
    if (settled) return
    settled = true
    markParsed(req, fields, files)
    next()
  })
  req.pipe(parser)
}

/**
 * Puts the body rules in front of AdminJS's routes on `router` (the router AdminJS then adds its
 * own routes to, so a listed path matches exactly what AdminJS's handler for it matches: every
 * spelling Express routes there). Routes served beside the panel add themselves after this.
 */
export function limitRequestBodies(router: Router, options: { routes: BodyRoute[]; signedIn: BodyRule; isSignedIn: (req: Request) => boolean }) {
  for (const route of options.routes) {
    const read = readBody(route.rule)
    router.post(route.path, (req, res, next) => {
      if (route.anonymous || options.isSignedIn(req)) return read(req, res, next)
      leaveUnread(req)
      next()
    })
  }
  const readSignedIn = readBody(options.signedIn)
  router.use((req, res, next) => {
    if (isParsed(req)) return next()
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS' || !options.isSignedIn(req)) {
      leaveUnread(req)
      return next()
    }
    readSignedIn(req, res, next)
  })
  // AdminJS turns flat names (`filters.login`) into nested objects and back, at a cost that grows
  // with the square of a name's depth (one form field named `a.a.a…` 60,000 deep took gigabytes),
  // and looks each part up among a resource's properties, where `__proto__` finds no property but
  // Object.prototype (a 500). Both are refused before any of it runs, in the query as in the body.
  router.use((req, _res, next) => {
    const problem = nameProblem(req.query) ?? nameProblem((req as { fields?: unknown }).fields)
    next(problem ? httpError(400, problem) : undefined)
  })
}

/** Parts of a name that reach JavaScript's object machinery instead of a field. */
const RESERVED_NAME_PARTS = new Set(['__proto__', 'constructor', 'prototype'])

/**
 * What is wrong with the names of parsed fields (form or JSON, the latter already no deeper than
 * JSON_MAX_DEPTH), their dots counted as levels as AdminJS's flattening reads them; else undefined.
 */
export function nameProblem(fields: unknown, depth = 0): string | undefined {
  if (typeof fields !== 'object' || fields === null) return undefined
  for (const [name, value] of Object.entries(fields)) {
    const parts = name.split('.', JSON_MAX_DEPTH + 2)
    const level = depth + parts.length
    if (level > JSON_MAX_DEPTH) return `A field name nests more than ${JSON_MAX_DEPTH} levels deep (count the dots).`
    const reserved = parts.find((part) => RESERVED_NAME_PARTS.has(part))
    if (reserved) return `"${reserved}" is not a field name.`
    const inside = nameProblem(value, level)
    if (inside) return inside
  }
  return undefined
}
