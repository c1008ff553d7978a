using System.Threading.Channels;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Store;
using Dapper;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Core.Contacts.Import;

/// <summary>
/// CSV contact imports: <see cref="BeginAsync"/> spools and checks the file and records the import;
/// <see cref="RunAsync"/> then streams it through the same normalising upsert as <c>POST /contacts</c>, one store
/// transaction per batch of rows, each batch advancing the import's counters in the same transaction, so the
/// counters always match what is stored and a restart resumes after the last committed batch.
/// </summary>
public sealed class ContactImports(
    ApplianceStore store,
    ContactStore contacts,
    DataDirectory dataDirectory,
    IOptions<ContactImportOptions> options,
    TimeProvider time)
{
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>();

    /// <summary>Imports the service runs (API uploads), in order of arrival.</summary>
    internal ChannelReader<string> Queue => _queue.Reader;

    /// <summary>Spools and checks the file; refuses a bad file with a validation error on <c>file</c> before anything is imported.</summary>
    public async Task<ContactImport> BeginAsync(string orgId, Stream content, string source, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var id = Ids.New(time);
        var spool = dataDirectory.Combine("imports", $"{id}.csv");
        try
        {
            var bytes = await ImportFile.SpoolAsync(content, spool, settings.MaxBytes, cancellationToken);
            var (_, rows) = await Task.Run(() => ImportFile.Check(spool, settings.MaxRows), cancellationToken);
            var import = await store.WriteAsync(tx => tx.QuerySingleAsync<ContactImport>($"""
                INSERT INTO contact_imports (id, org_id, status, source, spool_file, bytes, rows_total, created_at, updated_at)
                VALUES (@id, @orgId, 'running', @source, @spool, @bytes, @rows, @Now, @Now)
                RETURNING {ContactImport.Columns}
                """, new { id, orgId, source, spool, bytes, rows, tx.Now }), cancellationToken);
            if (source == "api")
            {
                _queue.Writer.TryWrite(import.Id);
            }

            return import;
        }
        catch
        {
            File.Delete(spool);
            throw;
        }
    }

    public Task<ContactImport?> GetAsync(string orgId, string id, CancellationToken cancellationToken = default) =>
        store.ReadAsync(c => c.QuerySingleOrDefaultAsync<ContactImport>(new CommandDefinition(
            $"SELECT {ContactImport.Columns} FROM contact_imports WHERE org_id = @orgId AND id = @id", new { orgId, id }, cancellationToken: cancellationToken)), cancellationToken);

    public async Task<ContactImportView?> ViewAsync(string orgId, string id, CancellationToken cancellationToken = default)
    {
        var import = await GetAsync(orgId, id, cancellationToken);
        if (import is null)
        {
            return null;
        }

        var errors = await store.ReadAsync(c => c.QueryAsync<ImportRowError>(new CommandDefinition(
            "SELECT row_number AS row, field, message FROM contact_import_errors WHERE import_id = @id ORDER BY seq", new { id }, cancellationToken: cancellationToken)), cancellationToken);
        return ContactImportView.From(import, errors.ToList());
    }

    /// <summary>API imports a stop left running, to resume.</summary>
    internal Task<IEnumerable<string>> UnfinishedAsync(CancellationToken cancellationToken) =>
        store.ReadAsync(c => c.QueryAsync<string>(new CommandDefinition(
            "SELECT id FROM contact_imports WHERE status = 'running' AND source = 'api' ORDER BY id", cancellationToken: cancellationToken)), cancellationToken);

    /// <summary>
    /// Imports the file's rows from the first one not yet committed to the end; reports the import after each batch.
    /// A file that became unreadable fails the import with the reason; rows already committed stay.
    /// </summary>
    public async Task<ContactImport> RunAsync(string id, IProgress<ContactImport>? progress = null, CancellationToken cancellationToken = default)
    {
        var import = await store.ReadAsync(c => c.QuerySingleAsync<ContactImport>(new CommandDefinition(
            $"SELECT {ContactImport.Columns} FROM contact_imports WHERE id = @id", new { id }, cancellationToken: cancellationToken)), cancellationToken);
        if (import.Status != ContactImportStatus.Running)
        {
            return import;
        }

        try
        {
            import = await ImportRowsAsync(import, progress, cancellationToken);
            import = await FinishAsync(id, ContactImportStatus.Completed, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CsvFormatException or System.Text.DecoderFallbackException or ApplianceException)
        {
            import = await FinishAsync(id, ContactImportStatus.Failed, $"The file could not be read to its end: {ex.Message}");
        }

        progress?.Report(import);
        return import;
    }

    private async Task<ContactImport> ImportRowsAsync(ContactImport import, IProgress<ContactImport>? progress, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        using var reader = ImportFile.Open(import.SpoolFile ?? throw new IOException("the spooled file is gone"));
        var csv = new CsvRecords(reader);
        var fields = new List<string>();
        csv.TryRead(fields);
        var columns = ImportColumns.Parse(fields);
        using var digests = new DoNotContactDigests(store);
        var batch = new ImportBatch(digests, import.OrgId, import.Id, import.ErrorCount, settings.MaxErrors);
        long seen = 0;

        // One batch is written while the next is read and normalized; batches still commit one after another. The
        // write is started on the thread pool because the store runs a write inline in its caller when the writer is
        // free (SQLite's calls complete synchronously), which would leave the reading waiting for the commit.
        Task<ContactImport>? writing = null;
        try
        {
            while (csv.TryRead(fields))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (fields.Count == 0 || ++seen <= import.Rows)
                {
                    continue;
                }

                batch.Add(csv.Record, columns, fields);
                if (batch.Count >= settings.BatchSize)
                {
                    if (writing is not null)
                    {
                        import = await writing;
                        progress?.Report(import);
                    }

                    var full = batch;
                    writing = Task.Run(() => WriteBatchAsync(full, cancellationToken), CancellationToken.None);
                    batch = batch.Next();
                }
            }

            if (writing is not null)
            {
                import = await writing;
                writing = null;
                progress?.Report(import);
            }
        }
        catch when (writing is not null)
        {
            // The read failed with a batch still in the writer: let it end before the import is marked failed.
            await ((Task)writing).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        return batch.Count > 0 ? await WriteBatchAsync(batch, cancellationToken) : import;
    }

    private Task<ContactImport> WriteBatchAsync(ImportBatch batch, CancellationToken cancellationToken) =>
        store.WriteAsync(tx => batch.WriteAsync(tx, contacts), cancellationToken);

    private async Task<ContactImport> FinishAsync(string id, string status, string? failure)
    {
        var finished = await store.WriteAsync(tx => tx.QuerySingleAsync<ContactImport>($"""
            UPDATE contact_imports SET status = @status, failure = @failure, spool_file = NULL, finished_at = @Now, updated_at = @Now
            WHERE id = @id
            RETURNING {ContactImport.Columns}
            """, new { id, status, failure, tx.Now }), CancellationToken.None);
        File.Delete(dataDirectory.Combine("imports", $"{id}.csv"));
        return finished;
    }
}
