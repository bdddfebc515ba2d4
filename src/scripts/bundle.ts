import { Sequelize } from 'sequelize'
import { buildAdmin } from '../app/admin.js'
import { hashPassword } from '../auth/password-hashing.js'
import { defineModels } from '../models/index.js'

// `npm run build` step (run with NODE_ENV=production, which AdminJS reads itself): bundles the
// panel's custom components into .adminjs/ once, so production starts with ADMIN_JS_SKIP_BUNDLE=true.
// Models only need a Sequelize instance here, not a database.
const sequelize = new Sequelize('postgres://build@127.0.0.1:1/build', { logging: false })
const admin = await buildAdmin(defineModels(sequelize, { allowPrivateWebhookHosts: false, hashPassword: (password) => hashPassword(password, 12) }))
const started = Date.now()
await admin.initialize()
console.log(`Bundled the panel's components in ${Date.now() - started} ms.`)
await sequelize.close()
