import type { Migration } from '../src/db/migrator.js'

// Written as SQL so that the constraints, indexes and triggers read exactly as PostgreSQL keeps them.
// Constraint names follow `<table>_<column>_<rule>`: the panel maps a violation back to its field.

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    CREATE EXTENSION IF NOT EXISTS pg_trgm;

    CREATE TABLE admin_users (
      id            serial PRIMARY KEY,
      email         varchar(254) NOT NULL,
      name          varchar(128) NOT NULL,
      role          varchar(16)  NOT NULL DEFAULT 'manager'
                    CONSTRAINT admin_users_role_check CHECK (role IN ('admin', 'manager')),
      active        boolean      NOT NULL DEFAULT true,
      password_hash varchar(60)  NOT NULL,
      created_at    timestamptz  NOT NULL DEFAULT now(),
      updated_at    timestamptz  NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX admin_users_email_lower_unique ON admin_users (lower(email));

    CREATE TABLE products (
      id          serial PRIMARY KEY,
      code        varchar(32)  NOT NULL CONSTRAINT products_code_unique UNIQUE,
      name        varchar(128) NOT NULL,
      description text CONSTRAINT products_description_length CHECK (char_length(description) <= 4000),
      active      boolean      NOT NULL DEFAULT true,
      created_at  timestamptz  NOT NULL DEFAULT now(),
      updated_at  timestamptz  NOT NULL DEFAULT now()
    );

    CREATE TABLE clients (
      id                  serial PRIMARY KEY,
      login               varchar(64)  NOT NULL
                          CONSTRAINT clients_login_format CHECK (login ~ '^[A-Za-z0-9._-]{3,64}$'),
      password_hash       varchar(60)  NOT NULL,
      manager_id          integer      NOT NULL
                          CONSTRAINT clients_manager_id_fkey REFERENCES admin_users (id) ON DELETE RESTRICT,
      notification_limit  integer CONSTRAINT clients_notification_limit_range CHECK (notification_limit >= 0),
      moderation          varchar(16)  NOT NULL DEFAULT 'manual'
                          CONSTRAINT clients_moderation_check CHECK (moderation IN ('manual', 'automatic')),
      timezone            varchar(64)  NOT NULL DEFAULT 'UTC',
      dispatch_from       time,
      dispatch_to         time,
      currency            varchar(3) CONSTRAINT clients_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
      allow_credit        numeric(14,2) NOT NULL DEFAULT 0 CONSTRAINT clients_allow_credit_range CHECK (allow_credit >= 0),
      allow_overdraw      numeric(14,2) NOT NULL DEFAULT 0 CONSTRAINT clients_allow_overdraw_range CHECK (allow_overdraw >= 0),
      sms_priority        integer NOT NULL DEFAULT 0 CONSTRAINT clients_sms_priority_range CHECK (sms_priority BETWEEN 0 AND 3),
      disable_blacklist   boolean NOT NULL DEFAULT false,
      dynamic_sender      boolean NOT NULL DEFAULT false,
      mo_via_smpp         boolean NOT NULL DEFAULT false,
      daily_stats_mailing boolean NOT NULL DEFAULT false,
      contact_name        varchar(128),
      contract_number     varchar(64),
      company             varchar(255),
      company_credentials text CONSTRAINT clients_company_credentials_length CHECK (char_length(company_credentials) <= 4000),
      phone               varchar(16) CONSTRAINT clients_phone_format CHECK (phone ~ '^\\+[1-9][0-9]{6,14}$'),
      country             varchar(2) CONSTRAINT clients_country_format CHECK (country ~ '^[A-Z]{2}$'),
      telegram            varchar(32) CONSTRAINT clients_telegram_format CHECK (telegram ~ '^[A-Za-z0-9_]{5,32}$'),
      skype               varchar(64),
      dlr_wait_days       integer NOT NULL DEFAULT 3 CONSTRAINT clients_dlr_wait_days_range CHECK (dlr_wait_days BETWEEN 1 AND 30),
      delivery_status     varchar(16) NOT NULL DEFAULT 'active'
                          CONSTRAINT clients_delivery_status_check CHECK (delivery_status IN ('active', 'expired')),
      can_send_smpp       boolean NOT NULL DEFAULT false,
      can_send_api        boolean NOT NULL DEFAULT false,
      can_send_web        boolean NOT NULL DEFAULT true,
      can_send_rest_api   boolean NOT NULL DEFAULT false,
      can_add_subaccount  boolean NOT NULL DEFAULT false,
      email               varchar(254) NOT NULL CONSTRAINT clients_email_lower CHECK (email = lower(email)),
      price_update_email  varchar(254),
      billing_email       varchar(254),
      price_update_format varchar(16) NOT NULL DEFAULT 'xlsx'
                          CONSTRAINT clients_price_update_format_check CHECK (price_update_format IN ('xlsx', 'csv')),
      api_dlr_url         varchar(2048) CONSTRAINT clients_api_dlr_url_scheme CHECK (api_dlr_url ~* '^https?://'),
      api_mo_url          varchar(2048) CONSTRAINT clients_api_mo_url_scheme CHECK (api_mo_url ~* '^https?://'),
      rest_dlr_url        varchar(2048) CONSTRAINT clients_rest_dlr_url_scheme CHECK (rest_dlr_url ~* '^https?://'),
      rest_mo_url         varchar(2048) CONSTRAINT clients_rest_mo_url_scheme CHECK (rest_mo_url ~* '^https?://'),
      client_type         varchar(16) NOT NULL DEFAULT 'company'
                          CONSTRAINT clients_client_type_check CHECK (client_type IN ('company', 'individual')),
      invoice_dates       integer[] CONSTRAINT clients_invoice_dates_range
                          CHECK (1 <= ALL (invoice_dates) AND 31 >= ALL (invoice_dates)),
      send_stats          boolean NOT NULL DEFAULT false,
      send_invoices       boolean NOT NULL DEFAULT false,
      send_to_email       boolean NOT NULL DEFAULT false,
      comments            text CONSTRAINT clients_comments_length CHECK (char_length(comments) <= 10000),
      product_id          integer CONSTRAINT clients_product_id_fkey REFERENCES products (id) ON DELETE RESTRICT,
      created_at          timestamptz NOT NULL DEFAULT now(),
      updated_at          timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT clients_dispatch_from_window CHECK (
        (dispatch_from IS NULL) = (dispatch_to IS NULL) AND (dispatch_from IS NULL OR dispatch_from <> dispatch_to)
      )
    );
    CREATE UNIQUE INDEX clients_login_lower_unique ON clients (lower(login));
    CREATE INDEX clients_manager_id_idx ON clients (manager_id, created_at DESC, id DESC);
    CREATE INDEX clients_product_id_idx ON clients (product_id);
    CREATE INDEX clients_currency_idx ON clients (currency);
    CREATE INDEX clients_delivery_status_idx ON clients (delivery_status, created_at DESC);
    CREATE INDEX clients_created_at_idx ON clients (created_at DESC, id DESC);
    CREATE INDEX clients_login_trgm ON clients USING gin (login gin_trgm_ops);
    CREATE INDEX clients_company_trgm ON clients USING gin (company gin_trgm_ops);
    CREATE INDEX clients_email_trgm ON clients USING gin (email gin_trgm_ops);

    -- Currency is read-only once set, whoever writes: the panel, a script, a bulk upsert or raw SQL.
    CREATE FUNCTION clients_currency_immutable() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF OLD.currency IS NOT NULL AND NEW.currency IS DISTINCT FROM OLD.currency THEN
        RAISE EXCEPTION 'Currency cannot be changed once set'
          USING ERRCODE = 'check_violation', CONSTRAINT = 'clients_currency_immutable';
      END IF;
      RETURN NEW;
    END
    $fn$;
    CREATE TRIGGER clients_currency_immutable BEFORE UPDATE ON clients
      FOR EACH ROW EXECUTE FUNCTION clients_currency_immutable();

    -- Shared by every app instance: sessions (connect-pg-simple's layout) and login throttling.
    CREATE TABLE sessions (
      sid    varchar NOT NULL PRIMARY KEY,
      sess   json NOT NULL,
      expire timestamp(6) NOT NULL
    );
    CREATE INDEX sessions_expire_idx ON sessions (expire);

    CREATE TABLE login_throttle (
      key      varchar(300) PRIMARY KEY,
      hits     integer NOT NULL,
      reset_at timestamptz NOT NULL
    );
  `)
}

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    DROP TABLE IF EXISTS login_throttle;
    DROP TABLE IF EXISTS sessions;
    DROP TABLE IF EXISTS clients;
    DROP FUNCTION IF EXISTS clients_currency_immutable();
    DROP TABLE IF EXISTS products;
    DROP TABLE IF EXISTS admin_users;
  `)
}
