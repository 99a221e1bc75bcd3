-- jobs, runs and the run-event outbox
CREATE TABLE tw_jobs (
  id text PRIMARY KEY,
  definition jsonb NOT NULL,
  enabled boolean NOT NULL,
  cursor_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE TABLE tw_job_runs (
  job_id text NOT NULL REFERENCES tw_jobs (id) ON DELETE CASCADE,
  scheduled_at timestamptz NOT NULL,
  trigger text NOT NULL CHECK (trigger IN ('schedule', 'manual', 'backfill')),
  state text NOT NULL
    CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'timed_out', 'lost', 'skipped')),
  attempt integer NOT NULL,
  next_attempt_at timestamptz NOT NULL,
  lease_owner text,
  lease_expires_at timestamptz,
  started_at timestamptz,
  finished_at timestamptz,
  error text,
  summary jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (job_id, scheduled_at)
);
CREATE INDEX tw_job_runs_active ON tw_job_runs (job_id, scheduled_at)
  WHERE state IN ('pending', 'running');
CREATE INDEX tw_job_runs_pending ON tw_job_runs (next_attempt_at) WHERE state = 'pending';
CREATE TABLE tw_job_run_events (
  id bigserial PRIMARY KEY,
  job_id text NOT NULL,
  payload jsonb NOT NULL,
  claimed_by text,
  claimed_until timestamptz
);
