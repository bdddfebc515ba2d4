import { loadConfigOrExit } from '../config/env.js'
import { openDatabase } from '../db/database.js'
import { migrateDown, migrateUp } from '../db/migrator.js'

// `npm run migrate` applies pending migrations; `npm run migrate:down` reverts the last one.
const config = loadConfigOrExit()
const db = await openDatabase(config)
try {
  if (process.argv.includes('--down')) {
    const reverted = await migrateDown(db.sequelize)
    console.log(reverted.length ? `Reverted ${reverted.map((m) => m.name).join(', ')}` : 'Nothing to revert')
  } else {
    const applied = await migrateUp(db.sequelize)
    console.log(applied.length ? `Applied ${applied.map((m) => m.name).join(', ')}` : 'Database is up to date')
  }
} finally {
  await db.close()
}
