using Cualify.Appliance.Core;
using Cualify.Appliance.Core.Api;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Cualify.Appliance.Dialer.Telephony;
using Cualify.Appliance.Dialer.Twilio;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Tests.Twilio;

/// <summary>The provider as the appliance registers it (same <c>AddTwilioTelephony</c>), pointed at the stand-in.</summary>
public sealed class TwilioTestHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly TempDirectory _data;

    private TwilioTestHost(ServiceProvider services, TempDirectory data)
    {
        _services = services;
        _data = data;
    }

    public TwilioTelephonyProvider Provider => _services.GetRequiredService<TwilioTelephonyProvider>();

    public TwilioCallPoller Poller => _services.GetRequiredService<TwilioCallPoller>();

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    public static Dictionary<string, string?> Settings(FakeTwilio twilio) => new()
    {
        ["Dialer:Provider"] = "twilio",
        ["Dialer:Twilio:AccountSid"] = twilio.AccountSid,
        ["Dialer:Twilio:AuthToken"] = twilio.AuthToken,
        ["Dialer:Twilio:ApiBaseUrl"] = twilio.BaseAddress.ToString(),
        ["Dialer:Twilio:CallsPerSecond"] = "1000",
        ["Dialer:Twilio:PollInterval"] = "00:00:00.050",
        ["Dialer:Twilio:MaxPollInterval"] = "00:00:00.200",
    };

    /// <summary>Starts the provider and its poller; <paramref name="time"/> replaces the clock when given.</summary>
    public static async Task<TwilioTestHost> StartAsync(FakeTwilio twilio, Action<Dictionary<string, string?>>? adjust = null, TimeProvider? time = null, ILoggerProvider? logs = null)
    {
        var data = new TempDirectory("twilio");
        var settings = Settings(twilio);
        settings["Store:Path"] = data.Combine("appliance.db");
        adjust?.Invoke(settings);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging(logging =>
        {
            if (logs is not null)
            {
                logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs);
            }
        });
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.TryAddSingleton(TimeProvider.System);
        // The store the recording fetcher keeps its work list in.
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton(new DataDirectory(data.Path));
        services.AddApplianceCore(configuration);
        services.AddOptions<ApiOptions>().Bind(configuration.GetSection(ApiOptions.Section));
        services.AddTwilioTelephony(configuration);
        var host = new TwilioTestHost(services.BuildServiceProvider(), data);
        await host.Get<Migrator>().MigrateAsync();
        await host.Poller.StartAsync(CancellationToken.None);
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await Poller.StopAsync(CancellationToken.None);
        await _services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _data.Dispose();
    }
}

/// <summary>Plans the tests dial: a playbook with a disclosure, a message, DTMF 1 → handoff and 9 → opt-out.</summary>
public static class TestPlans
{
    public const string Caller = "+15005550006";
    public const string Callee = "+919812345678";
    public const string HandoffTarget = "+14155550100";

    public static CallPlan Plan(string? to = null, string? message = null, string? audioPath = null, TimeSpan? maxDuration = null, string? from = Caller) => new(
        Guid.CreateVersion7().ToString(),
        "org-test",
        to ?? Callee,
        from ?? "",
        "hi-IN",
        new PlaybookPlan(
            "pb-1",
            "Renewal reminder",
            "en-IN",
            "This is an automated call from Acme & Sons. It may be recorded.",
            message ?? "Your <policy> renews on Friday. Press 1 to talk to us, or 9 to stop these calls.",
            audioPath,
            new Dictionary<string, string> { ["1"] = "handoff", ["9"] = "opt_out" },
            HandoffTarget,
            "hangup",
            AudioId: audioPath is null ? null : "aud_test"),
        maxDuration ?? TimeSpan.FromSeconds(120),
        TimeSpan.FromSeconds(30));
}
