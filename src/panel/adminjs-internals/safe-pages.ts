import { randomBytes } from 'node:crypto'
import type { RequestHandler, Response } from 'express'

// Why: AdminJS writes page state into inline scripts unescaped; this rewrites its templates' exact
// statements (STATE_STATEMENTS, TEMPLATE_SCRIPT), so a change of those templates must be noticed.

/**
 * AdminJS's page templates write the page state (the signed-in user's name and e-mail among it)
 * into inline <script> blocks with a plain JSON.stringify, so a name such as
 * `</script><script>…` would end the block and run in the browser of everyone who opens a page.
 * Every panel page is rewritten before it is sent:
 * - the state written into the scripts has `<`, `>`, `&`, U+2028 and U+2029 escaped as \uXXXX
 *   (and, in the login page's quoted JSON, quotes and backslashes), so no value can leave its string;
 * - the template's own inline scripts, and only those, get this response's CSP nonce: the policy
 *   allows no other inline script (see cspScriptSources).
 */

const CSP_NONCE = 'cspNonce'

const NONCE_BYTES = 16
const NONCES_PER_DRAW = 256
let randomPool = Buffer.alloc(0)
let poolOffset = 0

/**
 * 16 bytes from the CSPRNG that no other nonce used. Drawn 4 KB at a time and sliced (as
 * crypto.randomUUID buffers its own): a synchronous randomBytes(16) per response cost ~13 µs,
 * as much as the rest of the nonce's work together.
 */
export function freshNonce(): string {
  if (poolOffset + NONCE_BYTES > randomPool.length) {
    randomPool = randomBytes(NONCE_BYTES * NONCES_PER_DRAW)
    poolOffset = 0
  }
  const nonce = randomPool.toString('base64', poolOffset, poolOffset + NONCE_BYTES)
  poolOffset += NONCE_BYTES
  return nonce
}

/** Gives each response a fresh nonce for its Content-Security-Policy. */
export const issueCspNonce: RequestHandler = (_req, res, next) => {
  res.locals[CSP_NONCE] = freshNonce()
  next()
}

/** The `res.locals` that make cspScriptSources name `nonce` (for a response built without Express). */
export const cspNonceLocals = (nonce: string) => ({ [CSP_NONCE]: nonce })

/** `script-src` for helmet: our own files, and inline scripts only with this response's nonce. */
export const cspScriptSources = ["'self'", (_req: unknown, res: unknown) => `'nonce-${(res as Response).locals[CSP_NONCE]}'`]

const unicodeEscape = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
const escapeJsonForScript = (json: string) => json.replace(/[<>&\u2028\u2029]/g, unicodeEscape)
const toSingleQuotedBody = (text: string) =>
  text.replace(/[\\'<>&\u2028\u2029]/g, (char) => (char === '\\' ? '\\\\' : char === "'" ? "\\'" : unicodeEscape(char)))

/**
 * Rewrites the statement that begins a line with `prefix` and ends that line. JSON.stringify never
 * writes a line feed inside a value, so neither the start (a line feed, then `prefix`) nor the end
 * (the next line feed) can be imitated by a value, whatever it holds (a `</script>` included).
 */
function rewriteStatement(html: string, prefix: string, rewrite: (statement: string) => string): string {
  const found = new RegExp(`\\n[ \\t]*${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).exec(html)
  if (!found) return html
  const from = found.index + found[0].length
  const end = html.indexOf('\n', from)
  if (end === -1) return html
  return html.slice(0, from) + rewrite(html.slice(from, end)) + html.slice(end)
}

/** How each state statement of AdminJS's page templates begins a line. */
export const STATE_STATEMENTS = {
  redux: 'window.REDUX_STATE = ',
  theme: 'window.THEME = ',
  /** The login page: window.__APP_STATE__ = JSON.parse('<JSON>'); */
  login: "window.__APP_STATE__ = JSON.parse('",
}

// The template's own inline scripts, recognized by how they begin (after escaping, no value can
// contain a <script> tag to be mistaken for one of these).
export const TEMPLATE_SCRIPT = /<script>(?=\s*(?:window\.REDUX_STATE = |var app = document\.getElementById\('app'\)|try \{\s*window\.__APP_STATE__ = ))/g

export function hardenPage(html: string, nonce: string): string {
  let page = rewriteStatement(html, STATE_STATEMENTS.redux, escapeJsonForScript)
  page = rewriteStatement(page, STATE_STATEMENTS.theme, escapeJsonForScript)
  page = rewriteStatement(page, STATE_STATEMENTS.login, (statement) => {
    const close = statement.lastIndexOf("');")
    return close === -1 ? statement : toSingleQuotedBody(statement.slice(0, close)) + statement.slice(close)
  })
  return page.replace(TEMPLATE_SCRIPT, `<script nonce="${nonce}">`)
}

/** Applies hardenPage to every AdminJS page this router sends. */
export const hardenPanelPages: RequestHandler = (_req, res, next) => {
  const send = res.send.bind(res)
  res.send = (body?: unknown) => {
    // res.json() has set its content type by now: API answers are not searched.
    const isPage = typeof body === 'string' && !/json/.test(String(res.get('Content-Type') ?? ''))
    if (isPage && (body as string).includes(STATE_STATEMENTS.redux)) body = hardenPage(body as string, res.locals[CSP_NONCE])
    return send(body)
  }
  next()
}
