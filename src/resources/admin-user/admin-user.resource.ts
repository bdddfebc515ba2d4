import type { ResourceWithOptions } from 'adminjs'
import { adminOnlyActions } from '../../panel/actions/admin-only-actions.js'
import { resetTwoFactorAction } from '../../account/reset-two-factor-action.js'
import { AppResource } from '../../panel/adapter/app-resource.js'
import type { loadComponents } from '../../panel/components.js'
import { panelFields } from '../../panel/panel-fields.js'
import type { Models } from '../../models/index.js'
import type { ResourceEntry } from '../registry.js'

// Nobody deletes their own account or changes their own role or active flag: a rule of the model
// (installOwnAccountRule), so that the bulk form of each action is held to it as well.

export function resourceOptions(models: Models, components: ReturnType<typeof loadComponents>['ids'], entry: ResourceEntry): ResourceWithOptions {
  const panel = panelFields(entry.definition, components)
  return {
    resource: new AppResource(models.AdminUser, entry.definition),
    options: {
      ...panel.resourceOptions,
      actions: { ...adminOnlyActions(panel, components, entry.definition), resetTwoFactor: resetTwoFactorAction(components.resetTwoFactor) },
    },
  }
}
