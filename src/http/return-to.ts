import type { Request } from 'express'

/**
 * Where a login goes back to: the page a logged-out browser asked for, carried in the login page's
 * `?next=`. Only a path of this panel on this origin is ever followed: an absolute URL, a
 * protocol-relative `//host`, a backslash (browsers read `/\host` as `//host`), control characters
 * or anything outside the panel's root is dropped, and the login goes to the home page instead.
 */
export function safeReturnPath(value: unknown, root: string): string | undefined {
  if (typeof value !== 'string' || value.length > 2000) return undefined
  if (!value.startsWith('/') || value.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(value)) return undefined
  const base = 'http://panel.invalid'
  let url: URL
  try {
    url = new URL(value, base)
  } catch {
    return undefined
  }
  if (url.origin !== base) return undefined
  const inside = url.pathname === root || url.pathname.startsWith(`${root}/`)
  if (!inside || url.pathname.startsWith(`${root}/login`) || url.pathname.startsWith(`${root}/logout`)) return undefined
  return `${url.pathname}${url.search}${url.hash}`
}

/** The login page that comes back to `path` (when it is safe to). */
export function loginUrlReturningTo(loginPath: string, path: string, root: string): string {
  const next = safeReturnPath(path, root)
  return next && next !== root ? `${loginPath}?next=${encodeURIComponent(next)}` : loginPath
}

/**
 * A page the browser navigates to (typed, linked, reloaded), as opposed to a fetch of the panel's
 * own scripts: those ask for JSON and keep getting JSON answers.
 */
export function isPageNavigation(req: Request): boolean {
  const mode = req.get('sec-fetch-mode')
  if (mode) return mode === 'navigate'
  return req.accepts(['json', 'html']) === 'html' && Boolean(req.get('accept')?.includes('text/html'))
}
