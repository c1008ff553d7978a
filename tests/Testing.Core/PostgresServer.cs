using System.Diagnostics;
using Npgsql;

namespace Cualify.Appliance.Testing;

/// <summary>
/// Debian's PostgreSQL 15, started once per test run into a temp folder on a free loopback port (as the
/// <c>postgres</c> user when the tests run as root, since initdb refuses root), stopped when the test process
/// exits. Each test gets a database of its own from <see cref="CreateDatabaseAsync"/>. The tests' server runs with
/// <c>fsync</c>, <c>synchronous_commit</c> and <c>full_page_writes</c> off (it is thrown away); a bench that compares
/// against a real deployment calls <see cref="UseDurableSettings"/> first.
/// </summary>
public sealed class PostgresServer
{
    private const string Bin = "/usr/lib/postgresql/15/bin";
    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartAsync);
    private static bool _durable;
    private static bool _statements;
    private readonly string _dataDir;

    private PostgresServer(string dataDir, int port)
    {
        _dataDir = dataDir;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The server's data folder (its <c>postmaster.pid</c> names the server process, for CPU figures).</summary>
    public string DataDir => _dataDir;

    public static Task<PostgresServer> GetAsync() => Shared.Value;

    /// <summary>The server this process starts keeps PostgreSQL's durable defaults (fsync, synchronous commit, full page writes), as a deployment runs it.</summary>
    public static void UseDurableSettings()
    {
        if (Shared.IsValueCreated)
        {
            throw new InvalidOperationException("The PostgreSQL server is already started; choose its settings before the first GetAsync");
        }

        _durable = true;
    }

    /// <summary>The server this process starts loads <c>pg_stat_statements</c> (a bench counting statements per operation).</summary>
    public static void UseStatementStatistics()
    {
        if (Shared.IsValueCreated)
        {
            throw new InvalidOperationException("The PostgreSQL server is already started; choose its settings before the first GetAsync");
        }

        _statements = true;
    }

    /// <summary>Whether this process's server keeps PostgreSQL's durable defaults (see <see cref="UseDurableSettings"/>).</summary>
    public static bool IsDurable => _durable;

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database, Pooling = true }.ToString();

    /// <summary>A new empty database; dropping it is the caller's (see <see cref="DropDatabaseAsync"/>).</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"t_{Guid.NewGuid():N}";
        await using var admin = new NpgsqlConnection(ConnectionString("postgres"));
        await admin.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8'", admin);
        await create.ExecuteNonQueryAsync();
        return name;
    }

    public async Task DropDatabaseAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(ConnectionString("postgres"));
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    private static async Task<PostgresServer> StartAsync()
    {
        var initdb = RequiredTool.Find("initdb", "apt-get install -y postgresql-15", Path.Combine(Bin, "initdb"));
        var asRoot = Environment.UserName == "root";
        var dataDir = Path.Combine(Path.GetTempPath(), $"cualify-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dataDir);
        if (asRoot)
        {
            await RunAsync("chown", "postgres:postgres", dataDir);
        }

        await RunAsPostgresAsync(asRoot, initdb, "-D", dataDir, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8");
        var port = FreePorts.Tcp();
        var durability = _durable ? "-c fsync=on -c synchronous_commit=on -c full_page_writes=on" : "-c fsync=off -c synchronous_commit=off -c full_page_writes=off";
        // Autovacuum looks every second instead of every minute, so that a database made a moment ago is analyzed
        // within a test or a bench's warm-up, as a real server's is in its first minute. Before its first analyze the
        // planner cannot tell a tiny table's indexes apart, and a statement prepared then may keep a generic plan
        // that scans every contact of the org (contacts_org_newest) where contacts_org_phone finds the one.
        var autovacuum = "-c autovacuum_naptime=1";
        var statements = _statements ? " -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_utility=on -c pg_stat_statements.track_planning=on" : "";
        await RunAsPostgresAsync(asRoot, Path.Combine(Bin, "pg_ctl"), "-D", dataDir, "-l", Path.Combine(dataDir, "server.log"), "-w", "-o",
            $"-p {port} -k {dataDir} -c listen_addresses=127.0.0.1 {durability} -c max_connections=300 {autovacuum}{statements}", "start");
        var server = new PostgresServer(dataDir, port);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop(asRoot);
        return server;
    }

    private void Stop(bool asRoot)
    {
        try
        {
            RunAsPostgresAsync(asRoot, Path.Combine(Bin, "pg_ctl"), "-D", _dataDir, "-m", "immediate", "-w", "stop").GetAwaiter().GetResult();
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // The process is ending; a server left behind holds only a temp folder.
        }
    }

    private static Task RunAsPostgresAsync(bool asRoot, string program, params string[] arguments) =>
        asRoot ? RunAsync("runuser", ["-u", "postgres", "--", program, .. arguments]) : RunAsync(program, arguments);

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {await output}{await error}");
        }
    }
}
