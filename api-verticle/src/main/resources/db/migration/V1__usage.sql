-- Usage history: one row per finished job (io.genbus.api.usage.PgUsageStore writes them in batches).
-- key_id is the first 16 hex digits of the key's SHA-256, never the key.
CREATE TABLE usage (
  job_id        text PRIMARY KEY,
  request_id    text NOT NULL,
  tenant        text NOT NULL,
  key_id        text,
  model         text NOT NULL,
  endpoint      text,
  n             integer NOT NULL DEFAULT 0,
  size          text,
  status        text NOT NULL,
  error_code    text,
  queue_wait_ms bigint NOT NULL DEFAULT 0,
  generation_ms bigint NOT NULL DEFAULT 0,
  worker_id     text,
  api_node      text,
  created_at    timestamptz NOT NULL,
  ended_at      timestamptz NOT NULL
);

CREATE INDEX usage_ended_at ON usage (ended_at);
CREATE INDEX usage_tenant_ended_at ON usage (tenant, ended_at);
