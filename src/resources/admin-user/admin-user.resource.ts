import { ValidationError, type ActionContext, type ActionRequest, type ResourceWithOptions } from 'adminjs'
import { adminOnlyActions } from '../../admin/admin-only-actions.js'
import { AppResource } from '../../admin/app-resource.js'
import type { loadComponents } from '../../admin/components.js'
import { panelFields } from '../../admin/panel-fields.js'
import type { Models } from '../../models/index.js'
import { adminUserDefinition } from './admin-user.fields.js'

const isOwnAccount = (context: ActionContext) => String(context.record?.id()) === String(context.currentAdmin?.id)

/** Nobody changes their own role or active flag: another administrator has to. */
const cannotChangeOwnAccess = async (request: ActionRequest, context: ActionContext) => {
  if (request.method !== 'post' || !request.payload || !isOwnAccount(context)) return request
  const record = context.record!
  const errors: Record<string, { message: string; type: string }> = {}
  if ('role' in request.payload && request.payload.role !== record.param('role')) {
    errors.role = { message: 'You cannot change your own role', type: 'forbidden' }
  }
  const active = request.payload.active
  if (active !== undefined && String(active) !== String(record.param('active'))) {
    errors.active = { message: 'You cannot change your own active flag', type: 'forbidden' }
  }
  if (Object.keys(errors).length) throw new ValidationError(errors, { message: 'Please correct the marked fields' })
  return request
}

const cannotDeleteOwnAccount = async (request: ActionRequest, context: ActionContext) => {
  if (request.method === 'post' && isOwnAccount(context)) {
    throw new ValidationError({}, { message: 'You cannot delete your own account' })
  }
  return request
}

export function adminUserResource(models: Models, components: ReturnType<typeof loadComponents>['ids']): ResourceWithOptions {
  const panel = panelFields(adminUserDefinition, components)
  return {
    resource: new AppResource(models.AdminUser, adminUserDefinition),
    options: {
      id: 'AdminUser',
      navigation: { name: 'Administration', icon: 'Shield' },
      titleProperty: 'name',
      sort: { sortBy: 'name', direction: 'asc' },
      ...panel.resourceOptions,
      actions: adminOnlyActions(panel, components, { edit: [cannotChangeOwnAccess], delete: [cannotDeleteOwnAccount] }),
    },
  }
}
