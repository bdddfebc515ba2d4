import type { Migration } from '../src/db/migrator.js'

// Issue #26, lists people work in all day:
//   - admin_user_list_preferences: each user's page size and chosen columns per list, kept with the
//     user (gone with them) on the server, so they follow the user to any browser. Not a column of
//     admin_users: saving a preference must not write a change-history entry for the user.
//   - the change history's search box looks into "Changed by" (actor_email): a trigram index
//     serves its case-insensitive substring as the clients' login, company and e-mail are served.

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    CREATE TABLE admin_user_list_preferences (
      user_id    integer     NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
      resource   varchar(64) NOT NULL,
      value      jsonb       NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, resource)
    );
    CREATE INDEX change_history_actor_email_trgm ON change_history USING gin (actor_email gin_trgm_ops);
  `)
}

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    DROP INDEX IF EXISTS change_history_actor_email_trgm;
    DROP TABLE IF EXISTS admin_user_list_preferences;
  `)
}
