-- An import's row list is written once per imported contact: no index by contact. Erasure finds a contact's rows
-- through its org's imports (primary-key seeks), the only reader that starts from the contact.
DROP INDEX contact_import_rows_contact;
