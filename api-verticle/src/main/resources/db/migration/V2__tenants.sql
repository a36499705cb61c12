-- Tenants and keys created at runtime through the admin API (io.genbus.api.tenants.TenantStore).
-- Null limits mean unlimited. Keys are stored as their SHA-256 only: the plain key is shown once, at creation.
CREATE TABLE tenants (
  name                text PRIMARY KEY,
  rpm                 integer,
  max_concurrent_jobs integer,
  images_per_day      integer,
  priority            integer NOT NULL DEFAULT 1,
  models              text[],
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tenant_keys (
  key_id     text PRIMARY KEY,
  tenant     text NOT NULL REFERENCES tenants (name) ON DELETE CASCADE,
  key_hash   bytea NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

CREATE INDEX tenant_keys_tenant ON tenant_keys (tenant);
