import { NotFoundError, type ActionHandler, type BulkActionResponse } from 'adminjs'
import type { AppResource } from '../adapter/app-resource.js'

/**
 * The bulkDelete action of every AppResource: AdminJS's own (same answers), except that the rows
 * go in one transaction through AppResource.deleteAll, so each is held to the rules of a single
 * delete and a refusal of one leaves all of them in place.
 */
export const bulkDeleteRecords: ActionHandler<BulkActionResponse> = async (request, _response, context) => {
  const { records, currentAdmin, h } = context
  const resource = context.resource as AppResource
  if (!records?.length) throw new NotFoundError('no records were selected.', 'Action#handler')
  const answer = records.map((record) => record.toJSON(currentAdmin))
  if (request.method !== 'post') return { records: answer }
  await resource.deleteAll(records.map((record) => record.id()), context)
  return {
    records: answer,
    notice: {
      message: records.length > 1 ? 'successfullyBulkDeleted_plural' : 'successfullyBulkDeleted',
      options: { count: records.length },
      resourceId: resource.id(),
      type: 'success',
    },
    redirectUrl: h.resourceUrl({ resourceId: resource.id() }),
  } as BulkActionResponse
}
