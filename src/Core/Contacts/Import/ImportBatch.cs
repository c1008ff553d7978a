using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Json;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Contacts.Import;

/// <summary>
/// One batch of import rows: each normalised and its do-not-contact digests hashed as it is added (outside the
/// store's writer), then upserted together in one transaction that also advances the import's counters and keeps
/// the first row errors.
/// </summary>
internal sealed class ImportBatch(DoNotContactDigests digests, string orgId, string importId, long errorsBefore, int maxErrors)
{
    private readonly List<ContactUpsert> _valid = [];
    private readonly List<ImportRowError> _errors = [];
    private long _rows;

    public int Count => (int)_rows;

    public ImportBatch Next() => new(digests, orgId, importId, errorsBefore + _errors.Count, maxErrors);

    public void Add(long row, ImportColumns columns, IReadOnlyList<string> fields)
    {
        _rows++;
        if (fields.Count > columns.Count)
        {
            _errors.Add(new ImportRowError(row, null, $"Row {row} has {fields.Count} fields but the header names {columns.Count} columns"));
            return;
        }

        try
        {
            _valid.Add(ContactUpsert.Hashed(digests, ContactNormalizer.Normalize(columns.ToInput(fields), phoneRequired: true)));
        }
        catch (ApplianceException ex) when (ex.Kind == ErrorKind.Validation)
        {
            if (ex.Details?.GetValueOrDefault("fieldErrors") is Dictionary<string, string[]> byField && byField.Count > 0)
            {
                foreach (var (field, messages) in byField)
                {
                    _errors.Add(new ImportRowError(row, field, messages[0]));
                }
            }
            else
            {
                _errors.Add(new ImportRowError(row, null, ex.Message));
            }
        }
    }

    public async Task<ContactImport> WriteAsync(StoreTransaction tx, ContactStore contacts)
    {
        long created = 0, updated = 0, unchanged = 0, blocked = 0, withoutConsent = 0;
        var results = _valid.Count == 0 ? [] : await contacts.UpsertManyAsync(tx, orgId, _valid);
        foreach (var result in results)
        {
            _ = result.Created ? created++ : result.Changed ? updated++ : unchanged++;
            blocked += result.Contact.OptedOutVoice ? 1 : 0;
            withoutConsent += result.Contact.ConsentCapture is null ? 1 : 0;
        }

        if (results.Count > 0)
        {
            await tx.ExecuteAsync($"""
                INSERT INTO contact_import_rows (import_id, contact_id) SELECT @importId, value FROM {tx.Dialect.JsonValues("@contactIds")} WHERE true
                ON CONFLICT (import_id, contact_id) DO NOTHING
                """, new { importId, contactIds = ApplianceJson.Serialize(results.Select(r => r.Contact.Id)) });
        }

        var seq = errorsBefore;
        foreach (var error in _errors)
        {
            if (++seq > maxErrors)
            {
                break;
            }

            await tx.ExecuteAsync("""
                INSERT INTO contact_import_errors (import_id, seq, row_number, field, message) VALUES (@importId, @seq, @Row, @Field, @Message)
                """, new { importId, seq, error.Row, error.Field, error.Message });
        }

        var skipped = _rows - _valid.Count;
        return await tx.QuerySingleAsync<ContactImport>($"""
            UPDATE contact_imports SET rows = rows + @_rows, created = created + @created, updated = updated + @updated,
                unchanged = unchanged + @unchanged, skipped = skipped + @skipped, do_not_contact = do_not_contact + @blocked,
                without_consent = without_consent + @withoutConsent, error_count = error_count + @errorCount, updated_at = @Now
            WHERE id = @importId
            RETURNING {ContactImport.Columns}
            """, new { _rows, created, updated, unchanged, skipped, blocked, withoutConsent, errorCount = _errors.Count, importId, tx.Now });
    }
}
