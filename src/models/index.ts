import type { Model, ModelStatic, Sequelize } from 'sequelize'
import type { ModelSettings } from '../fields/model.js'
import { adminUserDefinition } from '../resources/admin-user/admin-user.fields.js'
import { changeHistoryDefinition } from '../resources/change-history/change-history.fields.js'
import { clientDefinition } from '../resources/client/client.fields.js'
import { productDefinition } from '../resources/product/product.fields.js'
import { installLastAdminRule, installOwnAccountRule } from './admin-user.rules.js'
import { defineModel } from './define-model.js'

export type Models = {
  AdminUser: ModelStatic<Model>
  Product: ModelStatic<Model>
  Client: ModelStatic<Model>
  ChangeHistory: ModelStatic<Model>
}

export const definitions = {
  AdminUser: adminUserDefinition,
  Product: productDefinition,
  Client: clientDefinition,
  ChangeHistory: changeHistoryDefinition,
}

export function defineModels(sequelize: Sequelize, settings: ModelSettings): Models {
  const AdminUser = defineModel(sequelize, adminUserDefinition, settings)
  installOwnAccountRule(AdminUser)
  installLastAdminRule(AdminUser)
  const Product = defineModel(sequelize, productDefinition, settings)
  const Client = defineModel(sequelize, clientDefinition, settings)
  const ChangeHistory = defineModel(sequelize, changeHistoryDefinition, settings)
  return { AdminUser, Product, Client, ChangeHistory }
}
