namespace Cualify.Appliance.Core.Contacts.Import;

/// <summary>A contact import: its file, how far it got and what it did, row by row counted.</summary>
public sealed class ContactImport
{
    public const string Columns = """
        id, org_id, status, source, spool_file, bytes, rows_total, rows, created, updated, unchanged, skipped, do_not_contact,
        without_consent, error_count, failure, created_at, updated_at, finished_at
        """;

    public string Id { get; init; } = "";

    public string OrgId { get; init; } = "";

    public string Status { get; init; } = ContactImportStatus.Running;

    public string Source { get; init; } = "api";

    public string? SpoolFile { get; init; }

    public long Bytes { get; init; }

    public long RowsTotal { get; init; }

    public long Rows { get; init; }

    public long Created { get; init; }

    public long Updated { get; init; }

    public long Unchanged { get; init; }

    public long Skipped { get; init; }

    public long DoNotContact { get; init; }

    public long WithoutConsent { get; init; }

    public long ErrorCount { get; init; }

    public string? Failure { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }
}

public static class ContactImportStatus
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
}

/// <summary>One bad row: its number (the header is row 1), the field at fault (null for the row as a whole) and why.</summary>
public sealed record ImportRowError(long Row, string? Field, string Message);

/// <summary>What <c>GET /contacts/imports/{id}</c> shows.</summary>
public sealed record ContactImportView(
    string Id,
    string Status,
    long Rows,
    long RowsTotal,
    long Created,
    long Updated,
    long Unchanged,
    long Skipped,
    long DoNotContact,
    long WithoutConsent,
    long ErrorCount,
    IReadOnlyList<ImportRowError> Errors,
    string? Failure,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt)
{
    public static ContactImportView From(ContactImport i, IReadOnlyList<ImportRowError> errors) => new(
        i.Id, i.Status, i.Rows, i.RowsTotal, i.Created, i.Updated, i.Unchanged, i.Skipped, i.DoNotContact, i.WithoutConsent,
        i.ErrorCount, errors, i.Failure, i.CreatedAt, i.FinishedAt);
}
