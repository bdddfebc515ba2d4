import type { ConstraintSpec, IndexSpec, TriggerSpec } from './desired.js'

/**
 * Rules of the definitions that the early migrations wrote by hand, under names and in words of
 * their own (old migrations never change). Each is part of the desired schema as written, so
 * `migration:check` reports one that goes missing; `covers` names the generated rules it stands
 * for (which are then not asked for as well). New rules are generated, never added here.
 */
export type HandWritten = { covers?: string[]; constraint?: ConstraintSpec; index?: IndexSpec; trigger?: TriggerSpec }

const HAND_WRITTEN: Record<string, HandWritten[]> = {
  clients: [
    // Migration 0001: length and characters in one format check each.
    {
      covers: ['clients_login_length', 'clients_login_pattern'],
      constraint: { name: 'clients_login_format', column: 'login', rule: 'check', check: `login ~ '^[A-Za-z0-9._-]{3,64}$'` },
    },
    {
      covers: ['clients_telegram_length', 'clients_telegram_pattern'],
      constraint: { name: 'clients_telegram_format', column: 'telegram', rule: 'check', check: `telegram ~ '^[A-Za-z0-9_]{5,32}$'` },
    },
    // Migration 0001: list indexes that also serve the default sort (newest first) within the filter.
    {
      covers: ['clients_manager_id_idx'],
      index: { name: 'clients_manager_id_idx', column: 'manager_id', expression: 'manager_id, created_at DESC, id DESC' },
    },
    {
      covers: ['clients_delivery_status_idx'],
      index: { name: 'clients_delivery_status_idx', column: 'delivery_status', expression: 'delivery_status, created_at DESC' },
    },
    { index: { name: 'clients_created_at_idx', column: 'created_at', expression: 'created_at DESC, id DESC' } },
    // Migration 0008: the version trigger written for clients before record_version_next() (0013).
    {
      covers: ['clients_version'],
      trigger: { name: 'clients_version', timing: 'BEFORE UPDATE', call: 'clients_version_next()' },
    },
  ],
  change_history: [
    // Migrations 0002 and 0005: the log's own indexes (its definition says generatedIndexes: false).
    { index: { name: 'change_history_created_at_idx', column: 'created_at', expression: 'created_at DESC, id DESC' } },
    { index: { name: 'change_history_operation_idx', column: 'operation', expression: 'operation', where: 'operation IS NOT NULL' } },
    // Migration 0017: the list's search box looks into "Changed by" (the log keeps its own indexes).
    { index: { name: 'change_history_actor_email_trgm', column: 'actor_email', expression: 'actor_email gin_trgm_ops', using: 'gin' } },
  ],
}

export const handWrittenFor = (table: string): HandWritten[] => HAND_WRITTEN[table] ?? []
