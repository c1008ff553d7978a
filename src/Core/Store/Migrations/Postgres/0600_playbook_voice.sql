-- The text-to-speech voice a playbook's texts are spoken in on SIP (null: the first voice of its language).

ALTER TABLE playbooks ADD COLUMN voice TEXT NULL;
