import { flat, type ActionResponse, type After, type ResourceWithOptions } from 'adminjs'
import { historyVisibleTo, isStaff } from '../../access/index.js'
import { AppResource } from '../../admin/app-resource.js'
import { listRecords } from '../../admin/list-action.js'
import type { loadComponents } from '../../admin/components.js'
import { panelFields } from '../../admin/panel-fields.js'
import { definitions, type Models } from '../../models/index.js'
import { changeHistoryDefinition } from './change-history.fields.js'
import { describeChanges, type ChangeEntry } from './describe-changes.js'

type RecordJson = { params: Record<string, unknown> }

/** Adds a readable `summary` (one line per changed field) and drops the raw JSON from the row. */
const withSummary = (record: RecordJson) => {
  const { changes = [], resource } = flat.unflatten(record.params) as { changes?: ChangeEntry[]; resource?: string }
  const definition = definitions[resource as keyof typeof definitions]
  record.params = Object.fromEntries(Object.entries(record.params).filter(([key]) => !key.startsWith('changes.')))
  record.params.summary = describeChanges(definition, changes).join('\n')
}

const summarize: After<ActionResponse> = async (response) => {
  if (response.record) withSummary(response.record as RecordJson)
  for (const record of (response.records ?? []) as RecordJson[]) withSummary(record)
  return response
}

const nobody = () => false

export function changeHistoryResource(models: Models, components: ReturnType<typeof loadComponents>['ids']): ResourceWithOptions {
  const { resourceOptions } = panelFields(changeHistoryDefinition, components)
  return {
    resource: new AppResource(models.ChangeHistory, changeHistoryDefinition, { rowScope: historyVisibleTo, listAlso: ['changes'] }),
    options: {
      id: 'ChangeHistory',
      navigation: { name: null, icon: 'Clock' },
      titleProperty: 'summary',
      sort: { sortBy: 'createdAt', direction: 'desc' },
      ...resourceOptions,
      properties: {
        ...resourceOptions.properties,
        createdAt: { position: 0, isVisible: { list: true, filter: true, show: true, edit: false } },
        summary: {
          position: 10,
          type: 'textarea',
          isVisible: { list: true, filter: false, show: true, edit: false },
          components: { show: components.plainText, list: components.plainText },
        },
        changes: { isVisible: false },
        actorId: { isVisible: { list: false, filter: true, show: false, edit: false } },
        clientId: { isVisible: false },
        // "bulk:<uuid>" and the like: a link to every entry of the same bulk edit, import or revert.
        operation: { ...resourceOptions.properties?.operation, components: { list: components.operationLink, show: components.operationLink } },
      },
      listProperties: ['createdAt', 'resource', 'recordId', 'action', 'actorEmail', 'summary', 'operation'],
      showProperties: ['createdAt', 'resource', 'recordId', 'action', 'actorEmail', 'summary', 'operation'],
      actions: {
        list: { isAccessible: isStaff, isVisible: isStaff, handler: listRecords, after: summarize },
        search: { isAccessible: isStaff },
        show: { isAccessible: isStaff, isVisible: isStaff, after: summarize },
        // History is read-only for everyone; the database refuses changes as well.
        new: { isAccessible: nobody, isVisible: nobody },
        edit: { isAccessible: nobody, isVisible: nobody },
        delete: { isAccessible: nobody, isVisible: nobody },
        bulkDelete: { isAccessible: nobody, isVisible: nobody },
      },
    },
  }
}
