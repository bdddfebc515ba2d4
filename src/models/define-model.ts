import { Model, type ModelStatic, type Sequelize } from 'sequelize'
import { buildAttributes, installFieldRules, secretAttributes, withVersioning, type ModelSettings, type ResourceDefinition } from '../fields/model.js'

/**
 * A Sequelize model built from a resource definition. Secrets (the password hash) are outside the
 * default scope, so no query, populated reference or export selects them unless it asks with
 * `.scope('withSecrets')` (only authentication does).
 */
export function defineModel(sequelize: Sequelize, given: ResourceDefinition, settings: ModelSettings): ModelStatic<Model> {
  const definition = withVersioning(given)
  const secrets = secretAttributes(definition)
  const model = sequelize.define(definition.name, buildAttributes(definition, settings), {
    tableName: definition.table,
    underscored: true,
    timestamps: true,
    updatedAt: definition.updatedAt ?? 'updatedAt',
    // instance.save() then sends version + 1 WHERE version = the one it read (the trigger accepts that).
    version: definition.versionField ?? false,
    defaultScope: { attributes: { exclude: secrets } },
    scopes: { withSecrets: { attributes: { include: secrets } } },
  })
  installFieldRules(model, definition, settings)
  return model
}
