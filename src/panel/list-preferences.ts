import type AdminJS from 'adminjs'
import type { CurrentAdmin } from 'adminjs'
import express, { type Request, type Response } from 'express'
import { QueryTypes, type Sequelize } from 'sequelize'
import { AppResource } from './adapter/app-resource.js'
import { PAGE_SIZES, queryableFields } from './list-query.js'

/**
 * Each user's page size and chosen columns per list, kept on the server with the user (table
 * admin_user_list_preferences, migration 0017), so they follow the user to any browser:
 *   GET  /admin/api/list-preferences/<Resource> → { perPage, columns } (null: the list's default)
 *   POST /admin/api/list-preferences/<Resource> with `perPage` (10, 25, 50 or 100) and/or `columns`
 *        (comma-separated names the list may show; '' for the default) → the stored preferences.
 * Only for a list the user may open; a value the list does not offer is a 400 naming it.
 */

export type ListPreferences = { perPage: number | null; columns: string[] | null }

const NONE: ListPreferences = { perPage: null, columns: null }

export async function listPreferencesOf(sequelize: Sequelize, userId: number, resource: string): Promise<ListPreferences> {
  const [row] = (await sequelize.query(`SELECT value FROM admin_user_list_preferences WHERE user_id = :userId AND resource = :resource`, {
    replacements: { userId, resource },
    type: QueryTypes.SELECT,
  })) as { value: Partial<ListPreferences> }[]
  return { ...NONE, ...row?.value }
}

async function storeListPreferences(sequelize: Sequelize, userId: number, resource: string, value: ListPreferences) {
  await sequelize.query(
    `INSERT INTO admin_user_list_preferences (user_id, resource, value, updated_at) VALUES (:userId, :resource, CAST(:value AS jsonb), now())
     ON CONFLICT (user_id, resource) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    { replacements: { userId, resource, value: JSON.stringify(value) } },
  )
}

class RefusedPreference extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message)
  }
}

/** The preferences a posted body asks for, over the stored ones; refuses what the list does not offer. */
function requested(body: Record<string, unknown>, stored: ListPreferences, listable: readonly string[]): ListPreferences {
  const next = { ...stored }
  if (body.perPage !== undefined) {
    const perPage = Number(body.perPage)
    if (!(PAGE_SIZES as readonly number[]).includes(perPage)) throw new RefusedPreference('perPage', `perPage must be one of ${PAGE_SIZES.join(', ')}`)
    next.perPage = perPage
  }
  if (body.columns !== undefined) {
    const raw = Array.isArray(body.columns) ? body.columns.join(',') : String(body.columns)
    const names = [...new Set(raw.split(',').map((name) => name.trim()).filter(Boolean))]
    const unknown = names.find((name) => !listable.includes(name))
    if (unknown) throw new RefusedPreference('columns', `You cannot show ${unknown} in the list`)
    next.columns = names.length ? names : null
  }
  return next
}

export function listPreferencesRouter(admin: AdminJS, sequelize: Sequelize) {
  const router = express.Router()
  const bodyOf = (req: Request) => ((req as Request & { fields?: Record<string, unknown> }).fields ?? req.body ?? {}) as Record<string, unknown>

  /** The list resource this user may open, or undefined (answered 404 / 403). */
  const listFor = async (req: Request, res: Response) => {
    const currentAdmin = req.session?.adminUser as CurrentAdmin | undefined
    if (!currentAdmin) {
      res.status(401).json({ error: 'Please log in.' })
      return undefined
    }
    const resource = admin.resources.find((candidate) => candidate.id() === req.params.resource)
    if (!(resource instanceof AppResource)) {
      res.status(404).json({ error: 'No such list' })
      return undefined
    }
    const list = resource.decorate().actions.list
    if (!list || !(await list.isAccessible(currentAdmin))) {
      res.status(403).json({ error: 'You may not open this list.' })
      return undefined
    }
    return { resource, userId: Number(currentAdmin.id) }
  }

  router.get('/api/list-preferences/:resource', async (req, res) => {
    const found = await listFor(req, res)
    if (found) res.json(await listPreferencesOf(sequelize, found.userId, found.resource.id()))
  })

  router.post('/api/list-preferences/:resource', async (req, res) => {
    const found = await listFor(req, res)
    if (!found) return
    const stored = await listPreferencesOf(sequelize, found.userId, found.resource.id())
    try {
      const next = requested(bodyOf(req), stored, queryableFields(found.resource.definitionOf()).listable)
      await storeListPreferences(sequelize, found.userId, found.resource.id(), next)
      res.json(next)
    } catch (error) {
      if (!(error instanceof RefusedPreference)) throw error
      res.status(400).json({ error: error.message, field: error.field })
    }
  })
  return router
}
