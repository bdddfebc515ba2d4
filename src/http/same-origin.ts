import type { Request, RequestHandler } from 'express'

/**
 * Refuses state-changing requests (anything but GET, HEAD, OPTIONS) that a browser sent from
 * another site: the session cookie's SameSite=Lax is not enough on its own (it still rides along on
 * top-level navigations, and "site" is wider than "origin"). A request is refused with 403 when
 * - its `Sec-Fetch-Site` says `cross-site` or `same-site` (a sibling host is another origin), or
 * - its `Origin` (or, without one, its `Referer`) is not this panel's own origin (`Origin: null`
 *   included: sandboxed frames and privacy redirects send it).
 * The panel's origin is the request's own scheme and host; `X-Forwarded-Proto` / `X-Forwarded-Host`
 * count only when they come from a trusted proxy (TRUST_PROXY).
 *
 * A request with neither header is not from a browser page (browsers send `Origin` on every POST):
 * scripts, curl and the test suite, which prove themselves with the session cookie alone.
 */
export const refuseCrossSiteWrites: RequestHandler = (req, res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next()
  const fetchSite = req.get('sec-fetch-site')
  const claimed = req.get('origin') ?? req.get('referer')
  const claimedOrigin = claimed === undefined ? undefined : originOf(claimed)
  const refused =
    fetchSite === 'cross-site' || fetchSite === 'same-site' || (claimed !== undefined && (claimedOrigin === undefined || claimedOrigin !== ownOrigin(req)))
  if (!refused) return next()
  req.log?.warn({ origin: req.get('origin'), referer: req.get('referer') ? '(set)' : undefined, fetchSite }, 'cross-site request refused')
  res.status(403).json({ error: 'This request came from another site and was refused. Use the panel itself.' })
}

function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url)
    return parsed.origin === 'null' ? undefined : parsed.origin
  } catch {
    return undefined
  }
}

/** This request's own origin as the browser saw it, as Express works out req.protocol and req.hostname (but with the port kept). */
function ownOrigin(req: Request): string | undefined {
  const trusted = (req.app.get('trust proxy fn') as (address: string | undefined, hop: number) => boolean)(req.socket.remoteAddress, 0)
  const forwardedHost = trusted ? req.get('x-forwarded-host')?.split(',')[0].trim() : undefined
  const host = forwardedHost || req.get('host')
  return host ? originOf(`${req.protocol}://${host}`) : undefined
}
