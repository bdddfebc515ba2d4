import type { Migration } from '../src/db/migrator.js'

// Two-factor login and panel settings. Kept out of admin_users on purpose: that table's history
// trigger records every changed column, and a secret must never reach the history (nor the
// AdminUser resource, which is generated from admin_users' field definitions).
//   - admin_user_two_factor: one row per user who started enrolment; `secret` is AES-256-GCM
//     ciphertext (auth/two-factor-secret.ts), `confirmed_at` set once a code confirmed it,
//     `last_time_step` the RFC 6238 step of the last accepted code (no replay), recovery codes as
//     SHA-256 hashes, each removed when used.
//   - panel_settings: small key → value settings an admin edits (two_factor_required).

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    CREATE TABLE admin_user_two_factor (
      user_id        integer PRIMARY KEY REFERENCES admin_users (id) ON DELETE CASCADE,
      secret         text NOT NULL,
      confirmed_at   timestamptz,
      last_time_step bigint,
      recovery_codes text[] NOT NULL DEFAULT '{}',
      created_at     timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE panel_settings (
      key        varchar(64) PRIMARY KEY,
      value      jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    INSERT INTO panel_settings (key, value) VALUES ('two_factor_required', '"off"');
  `)
}

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    DROP TABLE IF EXISTS panel_settings;
    DROP TABLE IF EXISTS admin_user_two_factor;
  `)
}
