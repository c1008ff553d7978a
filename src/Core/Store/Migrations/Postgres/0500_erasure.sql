-- Erasure that reaches everything: admin notices name the contact they are about, so erasing the contact
-- removes them; do-not-contact digests become keyed with the install's secret (HMAC-SHA-256 over the old
-- SHA-256), which DoNotContactList.RekeyAsync applies to the rows below with keyed = 0 at start-up.

ALTER TABLE admin_notices ADD COLUMN contact_id TEXT NULL;
CREATE INDEX admin_notices_contact ON admin_notices (contact_id) WHERE contact_id IS NOT NULL;

ALTER TABLE do_not_contact ADD COLUMN keyed BIGINT NOT NULL DEFAULT 0;
