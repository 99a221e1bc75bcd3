-- the daily digest: its alerts per log row, the digest a stored row went out in
ALTER TABLE tw_dispatch_notifications ADD COLUMN alerts jsonb, ADD COLUMN digest text;
CREATE UNIQUE INDEX tw_dispatch_notifications_digest_once ON tw_dispatch_notifications (receiver, fingerprint)
  WHERE reason = 'digest';
CREATE INDEX tw_dispatch_notifications_undigested ON tw_dispatch_notifications (created_at)
  WHERE receiver = 'digest' AND digest IS NULL;
