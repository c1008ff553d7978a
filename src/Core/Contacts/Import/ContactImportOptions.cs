using System.ComponentModel.DataAnnotations;

namespace Cualify.Appliance.Core.Contacts.Import;

/// <summary>Settings of the <c>Contacts:Import</c> section.</summary>
public sealed class ContactImportOptions : IValidatableObject
{
    public const string Section = "Contacts:Import";

    /// <summary>The largest upload accepted; room for a million rows of a few hundred bytes.</summary>
    public long MaxBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>The most data rows (after the header) one file may hold.</summary>
    public int MaxRows { get; set; } = 1_000_000;

    /// <summary>
    /// Rows written per store transaction. Each commit costs an fsync and rewrites the tables' last pages, and wakes
    /// the relay to fan out the batch's events; but a batch holds the store's single writer while it runs, so other
    /// writes wait behind it.
    /// </summary>
    public int BatchSize { get; set; } = 2_000;

    /// <summary>How many row errors an import keeps (all are counted).</summary>
    public int MaxErrors { get; set; } = 1_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxBytes is < 1024 or > 64L * 1024 * 1024 * 1024)
        {
            yield return new ValidationResult($"Contacts:Import:MaxBytes must be from 1024 to 68719476736, not {MaxBytes}", [nameof(MaxBytes)]);
        }

        if (MaxRows is < 1 or > 10_000_000)
        {
            yield return new ValidationResult($"Contacts:Import:MaxRows must be from 1 to 10000000, not {MaxRows}", [nameof(MaxRows)]);
        }

        if (BatchSize is < 1 or > 10_000)
        {
            yield return new ValidationResult($"Contacts:Import:BatchSize must be from 1 to 10000, not {BatchSize}", [nameof(BatchSize)]);
        }

        if (MaxErrors is < 0 or > 100_000)
        {
            yield return new ValidationResult($"Contacts:Import:MaxErrors must be from 0 to 100000, not {MaxErrors}", [nameof(MaxErrors)]);
        }
    }
}
