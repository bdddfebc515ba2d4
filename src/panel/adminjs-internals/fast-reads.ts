import type AdminJS from 'adminjs'
import { actionErrorHandler, NotFoundError, populator, ViewHelpers, type ActionContext, type ActionRequest, type BaseResource } from 'adminjs'
import express, { type NextFunction, type Request, type Response } from 'express'

/**
 * The panel's hot reads (a resource's list, a record's show, the home page's data), answered in
 * front of AdminJS's router by the same actions AdminJS would run, with the context and request it
 * would build (ApiController.getActionContext / resourceAction / recordAction / dashboard): the
 * same before and after hooks, isAccessible check, row scope and JSON. What is skipped is the walk
 * through AdminJS's router (a dozen middlewares and ~30 route patterns per request), its second
 * session middleware and the controller's per-request objects.
 *
 * Only for resources `isFast` names (the registry's); anything unusual (another resource, an id
 * that is not a number, no session) goes on to AdminJS's own route, as does a request carrying
 * `x-panel-read-path: adminjs` (how test/fast-reads.test.ts compares the two answers).
 */
export const ADMINJS_PATH_HEADER = 'x-panel-read-path'

type AdminJSRequest = ActionRequest & Record<string, unknown>

export function fastReadsRouter(admin: AdminJS, isFast: (resourceId: string) => boolean): express.Router {
  // Only the exact spellings the panel sends: any other (`/API/…`, `/actions/LIST`) goes on to
  // AdminJS's route, which answers it as it always has.
  const router = express.Router({ caseSensitive: true })
  // Stateless (it only reads the admin's options); AdminJS builds one per request.
  const h = new ViewHelpers(admin)
  const resourceFor = (req: Request): BaseResource | undefined => {
    if (!req.session?.adminUser || req.get(ADMINJS_PATH_HEADER) === 'adminjs' || !isFast(req.params.resourceId)) return undefined
    return admin.findResource(req.params.resourceId)
  }
  // What @adminjs/express hands AdminJS's controller for a GET (routeHandler).
  const adminRequest = (req: Request, action?: string): AdminJSRequest =>
    ({ ...req, params: action ? { ...req.params, action } : req.params, query: req.query, payload: {}, method: 'get' }) as unknown as AdminJSRequest
  // As @adminjs/express answers: nothing more when the handler answered itself. The header says
  // which path answered (the comparison test reads it).
  const send = (res: Response, answer: unknown) => {
    if (answer) res.set(ADMINJS_PATH_HEADER, 'fast').send(answer)
  }

  router.get('/api/resources/:resourceId/actions/list', async (req: Request, res: Response, next: NextFunction) => {
    const resource = resourceFor(req)
    const action = resource?.decorate().actions.list
    if (!resource || !action) return next()
    const context = { resource, action, h, currentAdmin: req.session.adminUser, _admin: admin } as ActionContext
    send(res, await action.handler(adminRequest(req, 'list'), res, context))
  })

  router.get('/api/resources/:resourceId/records/:recordId/show', async (req: Request, res: Response, next: NextFunction) => {
    const resource = resourceFor(req)
    const action = resource?.decorate().actions.show
    if (!resource || !action || !/^\d{1,15}$/.test(req.params.recordId)) return next()
    const context = { resource, action, h, currentAdmin: req.session.adminUser, _admin: admin } as ActionContext
    const record = await resource.findOne(req.params.recordId, context)
    if (!record) {
      const { recordId, resourceId } = req.params
      return send(res, actionErrorHandler(new NotFoundError(`Record with given id: "${recordId}" cannot be found in resource "${resourceId}"`, 'Action#handler'), context))
    }
    ;[context.record] = await populator([record], context)
    const answer = await action.handler(adminRequest(req, 'show'), res, context)
    // AdminJS refuses an answer without a record (a ConfigurationError): its own route says so.
    if (!answer?.record?.recordActions && answer?.notice?.type !== 'error') return next()
    send(res, answer)
  })

  router.get('/api/dashboard', async (req: Request, res: Response, next: NextFunction) => {
    const handler = admin.options.dashboard?.handler
    if (!req.session?.adminUser || req.get(ADMINJS_PATH_HEADER) === 'adminjs' || !handler) return next()
    send(res, await handler(adminRequest(req), res, { h, currentAdmin: req.session.adminUser, _admin: admin } as unknown as ActionContext))
  })

  return router
}
