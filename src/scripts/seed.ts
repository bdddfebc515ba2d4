import { seedDemoData } from '../../seeders/demo.js'
import { hashPassword } from '../auth/password-hashing.js'
import { loadConfigOrExit } from '../config/env.js'
import { openDatabase } from '../db/database.js'
import { migrateUp } from '../db/migrator.js'
import { defineModels } from '../models/index.js'

const config = loadConfigOrExit()
if (!config.seedPassword) {
  console.error('SEED_PASSWORD is required to seed in production.')
  process.exit(1)
}
const db = await openDatabase(config)
try {
  // The embedded database has no separate release step: bring it up to date first.
  if (db.embedded) await migrateUp(db.sequelize)
  const result = await seedDemoData(defineModels(db.sequelize, {
    allowPrivateWebhookHosts: config.allowPrivateWebhookHosts,
    hashPassword: (password) => hashPassword(password, config.bcryptRounds),
  }), config.seedPassword)
  console.log(`Seeded demo data (${result.clientsCreated} new clients).`)
} finally {
  await db.close()
}
