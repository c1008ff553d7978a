-- An import's row list is written once per imported contact, so it keeps one B-tree: WITHOUT ROWID on its
-- primary key, and no index by contact. Erasure finds a contact's rows through its org's imports (primary-key
-- seeks), the only reader that starts from the contact.
CREATE TABLE contact_import_rows_lean (
    import_id  TEXT NOT NULL REFERENCES contact_imports (id),
    contact_id TEXT NOT NULL,
    PRIMARY KEY (import_id, contact_id)
) WITHOUT ROWID;
INSERT INTO contact_import_rows_lean (import_id, contact_id) SELECT import_id, contact_id FROM contact_import_rows;
DROP TABLE contact_import_rows;
ALTER TABLE contact_import_rows_lean RENAME TO contact_import_rows;
