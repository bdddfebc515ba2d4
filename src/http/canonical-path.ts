import type { RequestHandler } from 'express'

// The path part of a request target, after an optional absolute-form scheme and host.
const TARGET = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)?([^?#]*)(.*)$/is

/**
 * One spelling per path before anything routes on it: repeated slashes are collapsed, so
 * `/admin//login` is `/admin/login` for every rule keyed on a path (Express would otherwise hand
 * it to the same handler while a rule on the exact path never sees it).
 */
export const collapseSlashes: RequestHandler = (req, _res, next) => {
  if (req.url.includes('//')) {
    const [, origin = '', path, rest] = TARGET.exec(req.url)!
    if (path.includes('//')) req.url = origin + path.replace(/\/{2,}/g, '/') + rest
  }
  next()
}
