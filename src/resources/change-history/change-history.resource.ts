import { literal, Op, type Sequelize } from 'sequelize'
import { flat, NotFoundError, type ActionHandler, type ActionResponse, type After, type RecordActionResponse, type ResourceWithOptions } from 'adminjs'
import { historyVisibleTo, isStaff } from '../../access/index.js'
import { asBulkWork, BulkLimitReached } from '../../db/bulk-share.js'
import { AppResource, escapeLike, type ExtraFilter, type FilterReading } from '../../panel/adapter/app-resource.js'
import { withCompactAnswers } from '../../panel/actions/action-hooks.js'
import { listRecords, listView, searchRecords, WITHOUT_RESOURCE_ACTIONS } from '../../panel/actions/list-action.js'
import type { loadComponents } from '../../panel/components.js'
import { panelFields } from '../../panel/panel-fields.js'
import type { Models } from '../../models/index.js'
import { columnName, fieldMap } from '../../fields/model.js'
import { ident } from '../../schema/desired.js'
import { entryOf, registry, type ResourceEntry } from '../registry.js'
import { ACCOUNT_ACTIONS, describeAccountEvent } from '../../account/account-events.js'
import { describeChanges, type ChangeEntry, type ReferenceTitle } from './describe-changes.js'
import { recordTitles, referenceTitles } from './reference-titles.js'
import { canBeReverted, revert, revertBlocks, revertNote, RevertRefused } from './revert.js'

type RecordJson = { id?: string; params: Record<string, unknown>; recordActions?: { name: string }[] }

type Entry = { changes?: ChangeEntry[]; resource?: string; recordId?: unknown; operation?: string; action?: string }

/** Adds a readable `summary` (one line per changed field) and drops the raw JSON from the row. */
const withSummary = (record: RecordJson, entry: Entry, title: ReferenceTitle) => {
  const { changes = [], resource, operation, action } = entry
  const definition = entryOf(resource)?.definition
  record.params = Object.fromEntries(Object.entries(record.params).filter(([key]) => !key.startsWith('changes.')))
  // Account events keep where they came from (address, browser), not field changes.
  if (action && ACCOUNT_ACTIONS.includes(action)) {
    record.params.summary = describeAccountEvent(action, changes as unknown as Record<string, unknown>)
    return
  }
  const note = revertNote(operation)
  record.params.summary = [...(note ? [note] : []), ...describeChanges(definition, changes, title)].join('\n')
  // The same lines, each under its section ("Financial settings › Allow credit: …"), for the entry's page.
  record.params.sectionSummary = [...(note ? [note] : []), ...describeChanges(definition, changes, title, { withSection: true })].join('\n')
  // What a revert of this entry would do, in its direction ("Allow credit: 7000.00 → 5000.00"), for its confirm page.
  const backwards = changes.filter((change) => !change.passwordChanged && 'old' in change).map((change) => ({ ...change, old: change.new, new: change.old }))
  if (action === 'update' && backwards.length) record.params.revertSummary = describeChanges(definition, backwards, title).join('\n')
}

/**
 * "Revert this change" only where it can apply: an entry already reverted, or whose client moved
 * on since (a field changed again, the client deleted), keeps its reason in `revertBlocked` and
 * loses the action (isVisible cannot ask the database). The revert page itself keeps the action,
 * so that an old link explains the refusal instead of a missing page; its POST is refused by revert().
 */
async function offerRevertWhereItApplies(sequelize: Sequelize, records: RecordJson[], actionName: string) {
  const offered = records.filter((record) => record.recordActions?.some((action) => action.name === 'revert'))
  const blocks = await revertBlocks(sequelize, offered.map((record) => String(record.id ?? record.params.id)))
  for (const record of offered) {
    const block = blocks.get(String(record.id ?? record.params.id))
    if (!block) continue
    record.params.revertBlocked = block
    if (actionName !== 'revert') record.recordActions = record.recordActions!.filter((action) => action.name !== 'revert')
  }
}

/** Summaries for the entries of a list or a show, with the names their references point at. */
const summarizeWith =
  (sequelize: Sequelize): After<ActionResponse> =>
  async (response, _request, context) => {
    const records = [...(response.record ? [response.record] : []), ...(response.records ?? [])] as RecordJson[]
    const entries = records.map((record) => flat.unflatten(record.params) as Entry)
    const title = await referenceTitles(sequelize, entries, context)
    const recordTitle = await recordTitles(sequelize, entries, context)
    await offerRevertWhereItApplies(sequelize, records, context.action.name)
    records.forEach((record, i) => {
      withSummary(record, entries[i], title)
      // The record the entry is about, by name (a client's login) where it still exists.
      const named = recordTitle(String(entries[i].resource), entries[i].recordId)
      if (named) record.params.recordTitle = named
    })
    return response
  }

/**
 * "Entries": the history shows record changes unless asked for account events (logins, sessions,
 * two-factor, settings), which would otherwise fill most of it; an Action filter shows what it names.
 */
const entryKinds: ExtraFilter = {
  label: 'Entries',
  options: [
    { value: 'changes', label: 'Record changes' },
    { value: 'account', label: 'Account events (logins, sessions)' },
    { value: 'all', label: 'Everything' },
  ],
  where: (value) =>
    value === 'changes' ? { action: { [Op.notIn]: [...ACCOUNT_ACTIONS] } } : value === 'account' ? { action: { [Op.in]: [...ACCOUNT_ACTIONS] } } : {},
  default: 'changes',
  unlessFiltered: ['action'],
}

/**
 * The Record filter: a number is the record's id; any other text finds records by a part of their
 * title (a client's login, a sender name's name), in every resource whose changes are recorded.
 */
const recordByTitle =
  (sequelize: Sequelize): FilterReading =>
  (value) => {
    const text = typeof value === 'string' ? value.trim() : ''
    if (!text || /^\d+$/.test(text)) return undefined
    const pattern = sequelize.escape(`%${escapeLike(text)}%`)
    const titled = registry.filter(({ definition, titleField }) => definition.history && fieldMap(definition).has(titleField))
    return {
      [Op.or]: titled.map(({ definition, titleField }) => ({
        resource: definition.name,
        recordId: { [Op.in]: literal(`(SELECT id FROM ${ident(definition.table)} WHERE ${ident(columnName(titleField))} ILIKE ${pattern})`) },
      })),
    }
  }

const nobody = () => false

/**
 * `POST …/ChangeHistory/records/<id>/revert` puts that change's fields back (with `whole=1`, every
 * change of its bulk edit, import or revert), as a change of the current user; a refusal is an
 * error notice and saves nothing. A GET only shows the entry (the action's page asks first).
 */
const revertHandler =
  (models: Models): ActionHandler<RecordActionResponse> =>
  async (request, _response, { record, currentAdmin, h }) => {
    if (!record) throw new NotFoundError('No such change', 'revert')
    if (request.method !== 'post') return { record: record.toJSON(currentAdmin) }
    const whole = ['1', 'true'].includes(String(request.query?.whole ?? request.payload?.whole ?? ''))
    try {
      // A whole revert rewrites every row of an import or bulk edit: bulk work, within its share.
      const result = whole
        ? await asBulkWork(models.ChangeHistory.sequelize!, 'bulkEdit', currentAdmin!.id ?? currentAdmin!.email, (ticket) => revert(models, String(record.id()), { whole, currentAdmin: currentAdmin!, ticket }))
        : await revert(models, String(record.id()), { whole, currentAdmin: currentAdmin! })
      const what = whole ? `${result.entries} change(s) of ${result.records.length} ${(entryOf(result.resource)?.label ?? 'record').toLowerCase()}(s)` : `entry #${record.id()}`
      return {
        record: record.toJSON(currentAdmin),
        notice: { type: 'success', message: `Reverted ${what}: ${result.fields.join(', ')} back to the earlier values` },
        redirectUrl:
          result.records.length === 1
            ? h.recordActionUrl({ resourceId: result.resource, recordId: String(result.records[0]), actionName: 'show' })
            : h.resourceUrl({ resourceId: 'ChangeHistory' }),
        reverted: result,
      }
    } catch (error) {
      if (!(error instanceof RevertRefused) && !(error instanceof BulkLimitReached)) throw error
      return { record: record.toJSON(currentAdmin), notice: { type: 'error', message: `Not reverted: ${error.message}` } }
    }
  }

export function resourceOptions(models: Models, components: ReturnType<typeof loadComponents>['ids'], entry: ResourceEntry): ResourceWithOptions {
  const { resourceOptions: fieldOptions } = panelFields(entry.definition, components)
  const summarize = summarizeWith(models.ChangeHistory.sequelize!)
  return {
    resource: new AppResource(models.ChangeHistory, entry.definition, {
      rowScope: historyVisibleTo,
      // "1000" for a history of thousands hides how much happened: counted in full.
      exactTotal: true,
      listAlso: ['changes', 'operation'],
      extraFilters: { entries: entryKinds },
      filterReadings: { recordId: recordByTitle(models.ChangeHistory.sequelize!) },
    }),
    options: {
      ...fieldOptions,
      properties: {
        ...fieldOptions.properties,
        createdAt: { position: 0, isVisible: { list: true, filter: true, show: true, edit: false } },
        summary: {
          position: 10,
          type: 'textarea',
          // Not a column: nothing to sort by (the list refuses a sort it does not offer).
          isSortable: false,
          isVisible: { list: true, filter: false, show: true, edit: false },
          components: { show: components.plainText, list: components.plainText },
        },
        sectionSummary: {
          position: 11,
          type: 'textarea',
          isSortable: false,
          isVisible: { list: false, filter: false, show: true, edit: false },
          components: { show: components.plainText },
        },
        changes: { isVisible: false },
        // Shown by the record's name, linking to it (recordTitle comes with each entry).
        recordId: { ...fieldOptions.properties?.recordId, components: { list: components.recordLink, show: components.recordLink } },
        actorId: { isVisible: { list: false, filter: true, show: false, edit: false } },
        clientId: { isVisible: false },
        // "bulk:<uuid>" and the like: a link to every entry of the same bulk edit, import or revert.
        operation: { ...fieldOptions.properties?.operation, components: { list: components.operationLink, show: components.operationLink } },
      },
      listProperties: ['createdAt', 'resource', 'recordId', 'action', 'actorEmail', 'summary', 'operation'],
      showProperties: ['createdAt', 'resource', 'recordId', 'action', 'actorEmail', 'sectionSummary', 'operation'],
      actions: withCompactAnswers({
        list: { isAccessible: isStaff, isVisible: isStaff, handler: listRecords, after: summarize, ...listView(entry.definition, components.listPage, {
            extraFilters: { entries: entryKinds },
            filterHints: { recordId: 'A record id, or a part of a client’s login' },
          }) },
        search: { isAccessible: isStaff, handler: searchRecords },
        show: { ...WITHOUT_RESOURCE_ACTIONS, isAccessible: isStaff, isVisible: isStaff, after: summarize },
        // Every rule (role, ownership of the client, conflicts, currency) is checked by revert().
        revert: {
          actionType: 'record',
          icon: 'RotateCcw',
          isAccessible: isStaff,
          isVisible: ({ currentAdmin, record }) => isStaff({ currentAdmin }) && Boolean(record && canBeReverted(record.params)),
          component: components.revertChange,
          handler: revertHandler(models),
          after: summarize,
        },
        // History is read-only for everyone; the database refuses changes as well.
        new: { isAccessible: nobody, isVisible: nobody },
        edit: { isAccessible: nobody, isVisible: nobody },
        delete: { isAccessible: nobody, isVisible: nobody },
        bulkDelete: { isAccessible: nobody, isVisible: nobody },
      }),
    },
  }
}
