import type AdminJS from 'adminjs'
import type { ActionContext } from 'adminjs'

// Why: AdminJS hands its own instance to actions and adapters only as the action context's
// undocumented `_admin` (needed to find another resource and to read the panel's settings).

/** The AdminJS instance an action runs in, when the context carries one (a context we build ourselves does not). */
export const adminOf = (context: Partial<ActionContext> | undefined): AdminJS | undefined => context?._admin
