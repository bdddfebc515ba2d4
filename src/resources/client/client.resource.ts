import { ForbiddenError, ValidationError, type ActionContext, type ActionRequest, type CurrentAdmin, type ResourceWithOptions } from 'adminjs'
import { Op } from 'sequelize'
import { isAdmin, isStaff, ownsRow, rowsVisibleTo } from '../../access/index.js'
import { blankInputsToNull, landOnSavedRecord, withCompactAnswers } from '../../panel/actions/action-hooks.js'
import { AppResource, escapeLike, NOT_SET_FILTER } from '../../panel/adapter/app-resource.js'
import { bulkDeleteRecords } from '../../panel/actions/bulk-delete-action.js'
import { listRecords, listView, searchRecords, WITHOUT_RESOURCE_ACTIONS } from '../../panel/actions/list-action.js'
import { pageSize } from '../../panel/list-query.js'
import { bulkEditActions } from '../../panel/actions/bulk-edit.js'
import { exportActions } from '../../panel/actions/export-actions.js'
import { importAction } from '../../panel/actions/import-action.js'
import type { loadComponents } from '../../panel/components.js'
import { panelFields } from '../../panel/panel-fields.js'
import { relatedLists } from '../../panel/related-lists.js'
import { fieldMap } from '../../fields/model.js'
import type { Models } from '../../models/index.js'
import type { ResourceEntry } from '../registry.js'
import { clientDefinition } from './client.fields.js'
import { summaryTotal } from './client-summary.js'

/** Only administrators choose a client's Manager; a manager's clients are always their own. */
const fieldsHiddenFor = (currentAdmin: CurrentAdmin | undefined) => (isAdmin({ currentAdmin }) ? [] : ['managerId'])

const managerIsThemselves = async (request: ActionRequest, { currentAdmin }: ActionContext) => {
  if (request.method !== 'post' || isAdmin({ currentAdmin })) return request
  return { ...request, payload: { ...request.payload, managerId: currentAdmin!.id } }
}

/** Why this user may not set this Manager, or undefined: only administrators hand clients over. */
const handOverRefusal = (currentAdmin: CurrentAdmin | undefined, requested: unknown) => {
  if (isAdmin({ currentAdmin }) || requested === undefined) return undefined
  return String(requested) === String(currentAdmin?.id) ? undefined : 'Only an administrator can hand a client to another manager'
}

const managerCannotHandOver = async (request: ActionRequest, { currentAdmin }: ActionContext) => {
  if (request.method !== 'post' || !request.payload) return request
  const requested = request.payload.managerId
  const refusal = requested === null ? undefined : handOverRefusal(currentAdmin, requested)
  if (refusal) {
    throw new ValidationError({ managerId: { message: refusal, type: 'forbidden' } }, { message: 'Please correct the marked fields' })
  }
  return request
}

export function resourceOptions(models: Models, components: ReturnType<typeof loadComponents>['ids'], entry: ResourceEntry): ResourceWithOptions {
  const { resourceOptions: fieldOptions, formLayout, showLayout, defaults } = panelFields(clientDefinition, components, {
    hiddenInFormFor: fieldsHiddenFor,
  })
  const fields = fieldMap(clientDefinition)
  const related = relatedLists(entry, components.relatedList)
  const ownsClient = ownsRow(clientDefinition.name)

  return {
    resource: new AppResource(models.Client, clientDefinition, {
      // Declared in the definition (ownedBy: managerId), as for every owned resource.
      rowScope: rowsVisibleTo(clientDefinition.name),
      // The home page's numbers link to lists filtered this way: their totals come from the same
      // summary, exact at any size (other filters are counted as usual).
      knownTotal: (filters, currentAdmin) => {
        if (!isStaff({ currentAdmin })) return Promise.resolve(undefined)
        const scopedTo = isAdmin({ currentAdmin }) ? undefined : Number(currentAdmin!.id)
        return summaryTotal(models.Client.sequelize!, filters, scopedTo, NOT_SET_FILTER)
      },
    }),
    options: {
      ...fieldOptions,
      properties: {
        ...fieldOptions.properties,
        ...related.properties,
        // Not a column: the show page's change history, loaded from the ChangeHistory resource.
        history: {
          isVisible: { list: false, filter: false, show: true, edit: false },
          components: { show: components.clientHistory },
          position: 2000,
        },
      },
      actions: withCompactAnswers({
        list: { isAccessible: isStaff, isVisible: isStaff, handler: listRecords, ...listView(clientDefinition, components.listPage) },
        search: { isAccessible: isStaff, handler: searchRecords },
        show: {
          ...WITHOUT_RESOURCE_ACTIONS,
          isAccessible: ownsClient,
          isVisible: ownsClient,
          layout: [...showLayout, ...related.layout, ['@H4', { children: 'Change history', mt: 'xl', mb: 'lg' }], 'history'],
        },
        new: {
          ...WITHOUT_RESOURCE_ACTIONS,
          isAccessible: isStaff,
          isVisible: isStaff,
          layout: formLayout,
          component: components.newWithDefaults,
          custom: { defaults },
          before: [blankInputsToNull, managerIsThemselves],
          after: landOnSavedRecord,
        },
        edit: {
          ...WITHOUT_RESOURCE_ACTIONS,
          // Sticky Save, leave prompt, errors summary, conflict merge (components/RecordForm.jsx).
          component: components.recordForm,
          isAccessible: ownsClient,
          isVisible: ownsClient,
          layout: formLayout,
          before: [blankInputsToNull, managerCannotHandOver],
          after: landOnSavedRecord,
        },
        delete: { isAccessible: isAdmin, isVisible: isAdmin },
        bulkDelete: { isAccessible: isAdmin, isVisible: isAdmin, handler: bulkDeleteRecords },
        // The list's query or selection as a CSV or XLSX download (served by src/exports/export-route.ts).
        ...exportActions(components.exportCsv),
        ...importAction(components.importCsv, entry),
        // "Edit selected" / "Edit all matching": a manager's change reaches only their own clients
        // (the row scope) and never hands them to someone else.
        ...bulkEditActions({
          model: models.Client,
          component: components.bulkEdit,
          definition: clientDefinition,
          refusedFor: (values, currentAdmin) => {
            const refusal = 'managerId' in values ? handOverRefusal(currentAdmin, values.managerId) : undefined
            return refusal ? { managerId: refusal } : undefined
          },
        }),
        referenceChoices: {
          actionType: 'resource',
          isVisible: false,
          isAccessible: isStaff,
          // Active records for a reference select, e.g. Product for managers, who cannot open Products.
          handler: async (request, _response, { currentAdmin }) => {
            const property = String(request.query?.property ?? '')
            const target = fields.get(property)?.references
            if (!target || fieldsHiddenFor(currentAdmin).includes(property)) throw new ForbiddenError('forbiddenError')
            const model = models[target.resource as keyof Models]
            const query = escapeLike(String(request.query?.query ?? ''))
            const rows = await model.findAll({
              attributes: ['id', 'name'],
              where: { active: true, ...(query && { name: { [Op.iLike]: `%${query}%` } }) },
              order: [['name', 'ASC']],
              limit: pageSize(request.query?.perPage, 50),
            })
            return { choices: rows.map((row) => ({ value: String(row.get('id')), label: String(row.get('name')) })) }
          },
        },
      }),
    },
  }
}
