import type AdminJS from 'adminjs'
import { actionErrorHandler, NotFoundError, populator, requestParser, ViewHelpers, type ActionContext, type ActionRequest, type CurrentAdmin } from 'adminjs'

// Why: AdminJS answers its API only through @adminjs/express's router and ApiController, which
// need Express's request; these functions build the same ActionRequest and ActionContext that
// ApiController.resourceAction / recordAction / dashboard build (adminjs 7.8,
// lib/backend/controllers/api-controller.js) and run the same decorated action, so its before
// and after hooks, isAccessible check and row scope decide the answer as they do there.

/** What an action answered, or undefined where ApiController would not have answered it (it throws, or sends nothing). */
export type ApiAnswer = Record<string, unknown> | undefined

/**
 * The response handed to an action: only `status`, the one method the panel's actions call
 * (a refused list query sets 400). An answer with a status of its own is left to Express.
 */
export type StatusOnlyResponse = { status: (code: number) => StatusOnlyResponse; statusCode?: number }
export const statusOnlyResponse = (): StatusOnlyResponse => {
  const response: StatusOnlyResponse = {
    status: (code) => {
      response.statusCode = code
      return response
    },
  }
  return response
}

type Query = Record<string, unknown>

export function apiReads(admin: AdminJS) {
  // ApiController makes one per request; it only reads the admin's options.
  const h = new ViewHelpers(admin)
  // What @adminjs/express hands the controller for a GET without a body (routeHandler), less
  // Express's own request fields, which no action of this panel reads.
  const request = (params: Record<string, string>, query: Query): ActionRequest =>
    ({ params, query, payload: {}, method: 'get' }) as unknown as ActionRequest
  const contextFor = (resourceId: string, actionName: string, currentAdmin: CurrentAdmin) => {
    const resource = admin.findResource(resourceId)
    const action = resource.decorate().actions[actionName]
    return action ? ({ resource, action, h, currentAdmin, _admin: admin } as ActionContext) : undefined
  }

  /** GET …/api/resources/:resourceId/actions/list (ApiController.resourceAction). */
  async function list(resourceId: string, query: Query, currentAdmin: CurrentAdmin, response: StatusOnlyResponse): Promise<ApiAnswer> {
    const context = contextFor(resourceId, 'list', currentAdmin)
    if (!context) return undefined
    const parsed = requestParser(request({ resourceId, action: 'list' }, query), context.resource)
    return (await context.action.handler(parsed, response, context)) as ApiAnswer
  }

  /**
   * GET …/api/resources/:resourceId/records/:recordId/show (ApiController.recordAction), for a
   * record id written as a positive integer: what validateParam accepts for a number or string id
   * property (a uuid one is left to ApiController).
   */
  async function show(resourceId: string, recordId: string, query: Query, currentAdmin: CurrentAdmin, response: StatusOnlyResponse): Promise<ApiAnswer> {
    const context = contextFor(resourceId, 'show', currentAdmin)
    if (!context) return undefined
    const idProperty = Object.values(context.resource.decorate().properties).find((property) => property.isId())
    if (!idProperty || idProperty.type() === 'uuid' || !/^[1-9][0-9]{0,14}$/.test(recordId)) return undefined
    const parsed = requestParser(request({ resourceId, recordId, action: 'show' }, query), context.resource)
    const record = await context.resource.findOne(recordId, context)
    if (!record) {
      return actionErrorHandler(new NotFoundError(`Record with given id: "${recordId}" cannot be found in resource "${resourceId}"`, 'Action#handler'), context) as ApiAnswer
    }
    ;[context.record] = await populator([record], context)
    const answer = (await context.action.handler(parsed, response, context)) as ApiAnswer & { record?: { recordActions?: unknown }; notice?: { type?: string } }
    // ApiController throws a ConfigurationError for anything else.
    return answer?.record?.recordActions || answer?.notice?.type === 'error' ? answer : undefined
  }

  /** GET …/api/dashboard (ApiController.dashboard). */
  async function dashboard(query: Query, currentAdmin: CurrentAdmin, response: StatusOnlyResponse): Promise<ApiAnswer> {
    const handler = admin.options.dashboard?.handler
    if (!handler) return undefined
    return (await handler(request({}, query), response, { h, currentAdmin, _admin: admin } as unknown as ActionContext)) as ApiAnswer
  }

  return { list, show, dashboard }
}
