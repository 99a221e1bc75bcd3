-- connector checkpoints, raw response cache, request budget, runs, data quality, asset identity
CREATE TABLE tw_connector_checkpoints (
  connector text NOT NULL,
  scope text NOT NULL,
  cursor text,
  last_event_at timestamptz,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (connector, scope)
);
CREATE TABLE tw_connector_bodies (
  sha256 text PRIMARY KEY,
  body bytea NOT NULL
);
CREATE TABLE tw_connector_responses (
  id bigserial PRIMARY KEY,
  connector text NOT NULL,
  run_id text NOT NULL,
  endpoint text NOT NULL,
  method text NOT NULL,
  url text NOT NULL,
  status integer NOT NULL,
  etag text,
  headers jsonb NOT NULL,
  redirected_from text,
  body_sha256 text NOT NULL REFERENCES tw_connector_bodies (sha256),
  fetched_at timestamptz NOT NULL
);
CREATE INDEX tw_connector_responses_run ON tw_connector_responses (run_id, id);
CREATE INDEX tw_connector_responses_url ON tw_connector_responses (connector, url, id);
CREATE TABLE tw_connector_requests (
  connector text NOT NULL,
  hour timestamptz NOT NULL,
  count integer NOT NULL,
  PRIMARY KEY (connector, hour)
);
CREATE TABLE tw_connector_runs (
  run_id text PRIMARY KEY,
  connector text NOT NULL,
  mode text NOT NULL CHECK (mode IN ('run', 'backfill', 'replay')),
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  status text,
  rows integer,
  error text
);
CREATE INDEX tw_connector_runs_by_connector ON tw_connector_runs (connector, started_at);
CREATE TABLE tw_connector_fingerprints (
  connector text NOT NULL,
  endpoint text NOT NULL,
  fingerprint text NOT NULL,
  shape jsonb NOT NULL,
  drift_fields text NOT NULL DEFAULT '',
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (connector, endpoint)
);
CREATE TABLE tw_connector_quarantine (
  id bigserial PRIMARY KEY,
  connector text NOT NULL,
  run_id text NOT NULL,
  endpoint text NOT NULL,
  response_id bigint REFERENCES tw_connector_responses (id),
  error text NOT NULL,
  quarantined_at timestamptz NOT NULL
);
CREATE TABLE tw_connector_values (
  connector text NOT NULL,
  series text NOT NULL,
  ts timestamptz NOT NULL,
  value double precision NOT NULL,
  PRIMARY KEY (connector, series, ts)
);
CREATE TABLE tw_connector_renames (
  connector text NOT NULL,
  from_url text NOT NULL,
  to_url text NOT NULL,
  seen_at timestamptz NOT NULL,
  PRIMARY KEY (connector, from_url)
);
CREATE TABLE tw_connector_asset_ids (
  provider text NOT NULL,
  provider_id text NOT NULL,
  asset_id text NOT NULL,
  chain text,
  contract text,
  symbol text,
  valid_from timestamptz NOT NULL,
  valid_to timestamptz,
  provenance text NOT NULL,
  PRIMARY KEY (provider, provider_id, valid_from),
  CHECK (valid_to IS NULL OR valid_to > valid_from),
  CHECK ((chain IS NULL) = (contract IS NULL))
);
CREATE INDEX tw_connector_asset_ids_asset ON tw_connector_asset_ids (asset_id);
CREATE INDEX tw_connector_asset_ids_onchain ON tw_connector_asset_ids (chain, contract) WHERE chain IS NOT NULL;
CREATE TABLE tw_connector_commits (
  run_id text NOT NULL,
  seq integer NOT NULL,
  connector text NOT NULL,
  scope text NOT NULL,
  response_ids bigint[] NOT NULL,
  committed_at timestamptz NOT NULL,
  PRIMARY KEY (run_id, seq)
);
