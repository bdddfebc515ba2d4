import type { Model, ModelStatic, Sequelize } from 'sequelize'
import type { ModelSettings } from '../fields/model.js'
import { definitions, registry } from '../resources/registry.js'
import { installLastAdminRule, installOwnAccountRule } from './admin-user.rules.js'
import { defineModel } from './define-model.js'

/** One Sequelize model per resource of the registry, by its name. */
export type Models = Record<string, ModelStatic<Model>>

export { definitions }

/** Rules of a model beyond its fields' (they need other rows: the last admin, one's own account). */
const modelRules: Record<string, ((model: ModelStatic<Model>) => void)[]> = {
  AdminUser: [installOwnAccountRule, installLastAdminRule],
}

export function defineModels(sequelize: Sequelize, settings: ModelSettings): Models {
  const models: Models = {}
  for (const { definition } of registry) {
    const model = defineModel(sequelize, definition, settings)
    for (const install of modelRules[definition.name] ?? []) install(model)
    models[definition.name] = model
  }
  return models
}
