-- alert state, receivers, silences and the notification log
CREATE TABLE tw_dispatch_alerts (
  fingerprint text PRIMARY KEY,
  rule text NOT NULL,
  severity text NOT NULL,
  env text NOT NULL,
  labels jsonb NOT NULL,
  summary text NOT NULL,
  status text NOT NULL CHECK (status IN ('firing', 'resolved')),
  starts_at bigint NOT NULL,
  ends_at bigint,
  alert jsonb NOT NULL,
  updated_at bigint NOT NULL,
  acked_by text,
  acked_at bigint,
  ack_comment text,
  acked_starts_at bigint
);
CREATE INDEX tw_dispatch_alerts_firing ON tw_dispatch_alerts (fingerprint) WHERE status = 'firing';
CREATE TABLE tw_dispatch_receivers (
  fingerprint text NOT NULL REFERENCES tw_dispatch_alerts (fingerprint) ON DELETE CASCADE,
  receiver text NOT NULL,
  last_status text,
  last_starts_at bigint,
  last_notified_at bigint,
  slot integer NOT NULL DEFAULT 0,
  next_repeat_at bigint,
  suppressed text,
  suppressed_at bigint,
  PRIMARY KEY (fingerprint, receiver)
);
CREATE TABLE tw_dispatch_silences (
  id text PRIMARY KEY,
  matchers jsonb NOT NULL,
  starts_at bigint NOT NULL,
  ends_at bigint NOT NULL,
  author text NOT NULL,
  comment text NOT NULL,
  created_at bigint NOT NULL,
  removed_at bigint
);
CREATE TABLE tw_dispatch_notifications (
  id bigserial PRIMARY KEY,
  fingerprint text NOT NULL,
  receiver text NOT NULL,
  status text NOT NULL,
  starts_at bigint NOT NULL,
  slot integer NOT NULL,
  reason text NOT NULL,
  alert jsonb NOT NULL,
  created_at bigint NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'delivered', 'rejected', 'stored')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at bigint NOT NULL,
  done_at bigint,
  error text,
  group_key text,
  UNIQUE (fingerprint, status, starts_at, receiver, slot)
);
CREATE INDEX tw_dispatch_notifications_pending ON tw_dispatch_notifications (receiver, id)
  WHERE state = 'pending';
