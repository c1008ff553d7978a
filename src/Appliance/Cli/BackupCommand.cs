using System.CommandLine;
using System.Diagnostics;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Secrets;
using Cualify.Appliance.Core.Store;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Cli;

/// <summary>
/// <c>backup --out FILE</c>: a consistent copy of the store taken with SQLite's online backup API, safe while the
/// service runs (WAL: the copy is one snapshot and writers are not blocked), checked with <c>integrity_check</c>
/// before it is given its final name. The copy is private (mode 600); the secret key is not in it.
/// </summary>
public static class BackupCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "File to write the copy to; it must not exist yet", Required = true };
        var command = new Command("backup", "Copy the store to a file while the appliance runs, and verify the copy") { output };
        command.SetAction((parse, cancellationToken) => CliErrors.GuardAsync(async () =>
        {
            await using var cli = CliContext.Create(ApplianceCommandLine.Settings(parse));
            var options = cli.Get<IOptions<StoreOptions>>().Value;
            await BackupAsync(options, Path.GetFullPath(parse.GetValue(output)!), Console.Out, cancellationToken);
            FilesBesideTheStore(cli.Get<DataDirectory>(), Console.Out);
            return 0;
        }));
        return command;
    }

    public static async Task BackupAsync(StoreOptions options, string target, TextWriter progress, CancellationToken cancellationToken)
    {
        if (options.IsPostgres)
        {
            throw ApplianceException.BadRequest(
                $"The store is the PostgreSQL database {Core.Store.Postgres.PostgresConnection.Describe(options)}, which this command does not copy. " +
                $"Back it up with PostgreSQL's own tools, for example: pg_dump --format=custom --file={target} \"<Store:ConnectionString>\" " +
                "(restore with pg_restore), or the server's continuous archiving; keep secrets.key (or Store:SecretKey) with the dump.");
        }

        var source = Path.GetFullPath(options.Path);
        if (!File.Exists(source))
        {
            throw ApplianceException.BadRequest($"No store at {source}; nothing to back up");
        }

        if (File.Exists(target) || Directory.Exists(target))
        {
            throw ApplianceException.Conflict($"{target} already exists; choose a new file name (backups are never overwritten)");
        }

        var partial = target + ".partial";
        File.Delete(partial);
        CreatePrivateFile(partial);
        var clock = Stopwatch.StartNew();
        try
        {
            await using (var from = await OpenAsync(source, SqliteOpenMode.ReadOnly, cancellationToken))
            await using (var to = await OpenAsync(partial, SqliteOpenMode.ReadWrite, cancellationToken))
            {
                var pages = await ScalarAsync<long>(from, "PRAGMA page_count", cancellationToken);
                var pageSize = await ScalarAsync<long>(from, "PRAGMA page_size", cancellationToken);
                progress.WriteLine($"Backing up {source}: {pages} pages, {pages * pageSize / (1024.0 * 1024):0.0} MB …");
                from.BackupDatabase(to);
                // One self-contained file: no -wal beside the copy.
                await ScalarAsync<string>(to, "PRAGMA journal_mode = DELETE", cancellationToken);
                var integrity = await ScalarAsync<string>(to, "PRAGMA integrity_check", cancellationToken);
                if (integrity != "ok")
                {
                    throw new InvalidOperationException($"the copy failed integrity_check ({integrity}); the store itself may be damaged: run cualify-appliance doctor");
                }

                var migrations = await ScalarAsync<long>(to, "SELECT count(*) FROM schema_migrations", cancellationToken);
                progress.WriteLine($"Copied and verified in {clock.Elapsed.TotalSeconds:0.0} s: integrity ok, {migrations} migrations.");
            }

            File.Move(partial, target);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }

        progress.WriteLine($"Backup written: {target} ({new FileInfo(target).Length / (1024.0 * 1024):0.0} MB, mode 600).");
        progress.WriteLine(
            $"Keep the secret key {SecretProtector.KeyFilePath(options)} safe and apart from the backups: the secrets in the store are encrypted with it, " +
            "so this file alone reveals none of them, and a restore needs that same key.");
    }

    /// <summary>
    /// Says what the copy leaves out: call recordings and uploaded prompts are files in the data folder, not rows, so
    /// the operator copies those folders with the backup. The synthesised speech is a cache rebuilt on demand.
    /// </summary>
    public static void FilesBesideTheStore(DataDirectory data, TextWriter progress)
    {
        var kept = new[] { ("recordings", "call recordings"), ("audio", "uploaded prompts") }
            .Select(f => (Folder: data.Combine(f.Item1), Name: f.Item1, What: f.Item2))
            .Where(f => Directory.Exists(f.Folder))
            .Select(f => (f.Name, f.What, Files: Directory.EnumerateFiles(f.Folder, "*", SearchOption.AllDirectories).Select(p => new FileInfo(p)).ToList()))
            .Where(f => f.Files.Count > 0)
            .ToList();
        foreach (var (name, what, files) in kept)
        {
            progress.WriteLine($"Not in the copy: {what}, {files.Count} files ({files.Sum(f => f.Length) / (1024.0 * 1024):0.0} MB) in {Path.Combine(data.Path, name)}; " +
                $"copy that folder with the backup, e.g. rsync -a {Path.Combine(data.Path, name)}/ BACKUP-FOLDER/{name}/");
        }

        if (kept.Count > 0)
        {
            progress.WriteLine("The synthesised speech (speech/) is a cache and need not be copied: it is rebuilt when a playbook is saved or called.");
        }
    }

    private static void CreatePrivateFile(string path)
    {
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        new FileStream(path, create).Dispose();
    }

    private static async Task<SqliteConnection> OpenAsync(string path, SqliteOpenMode mode, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false, DefaultTimeout = 60 }.ToString());
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static async Task<T> ScalarAsync<T>(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync(cancellationToken))!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }
}
