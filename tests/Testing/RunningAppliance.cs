using System.Net.Http.Headers;
using Cualify.Appliance.Cli;
using Cualify.Appliance.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Cualify.Appliance.Testing;

/// <summary>
/// The real appliance — the same composition root as <c>cualify-appliance run</c>, real Kestrel on a loopback
/// port, a real SQLite file in a temp data folder (or the folder's own PostgreSQL database with
/// <c>CUALIFY_TEST_STORE=postgres</c>, see <see cref="TestStore"/>) — started in the test process.
/// </summary>
public sealed class RunningAppliance : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TempDirectory? _ownedDataDir;

    private RunningAppliance(WebApplication app, TempDirectory? ownedDataDir, string dataDir, Uri baseAddress, string? adminKey)
    {
        _app = app;
        _ownedDataDir = ownedDataDir;
        DataDir = dataDir;
        BaseAddress = baseAddress;
        AdminKey = adminKey;
    }

    public string DataDir { get; }

    public Uri BaseAddress { get; }

    /// <summary>The first admin key of org <c>default</c>; null when the data folder was initialised before.</summary>
    public string? AdminKey { get; }

    public IServiceProvider Services => _app.Services;

    public T Get<T>()
        where T : notnull => _app.Services.GetRequiredService<T>();

    /// <param name="dataDir">An existing data folder to reuse (restart tests); a fresh temp folder when null.</param>
    /// <param name="settings">Configuration overrides, in the <c>Section:Key</c> form.</param>
    /// <param name="services">Replacements such as a <c>FakeTimeProvider</c>.</param>
    public static async Task<RunningAppliance> StartAsync(
        string? dataDir = null,
        IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var owned = dataDir is null ? new TempDirectory("appliance") : null;
        var folder = dataDir ?? owned!.Path;
        // A test that sets Store:Provider itself (one about the SQLite file) keeps it whatever CUALIFY_TEST_STORE says.
        var store = await TestStore.SettingsAsync(folder, settings?.GetValueOrDefault("Store:Provider"));
        var overrides = new Dictionary<string, string?>(store) { ["Logging:Level"] = "Warning" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        var app = ApplianceApp.Build(new ApplianceSettings(folder, Urls: "http://127.0.0.1:0", Overrides: overrides), services, logToConsole: false);
        var result = await RunCommand.StartAsync(app, CancellationToken.None);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RunningAppliance(app, owned, folder, new Uri(address), result.FirstAdminKey);
    }

    /// <summary>An HTTP client for the API, with the given key as bearer (none when null).</summary>
    public HttpClient Client(string? key = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    public HttpClient AdminClient() => Client(AdminKey ?? throw new InvalidOperationException("This data folder was initialised earlier; no admin key was printed"));

    /// <summary>Stops the host the way SIGTERM does, letting workers finish.</summary>
    public async Task StopAsync() => await _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _ownedDataDir?.Dispose();
    }
}
