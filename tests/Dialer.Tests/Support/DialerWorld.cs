using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Credits;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Dialer.Live;
using Cualify.Appliance.Hosting;
using Cualify.Appliance.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.Dialer.Tests.Support;

/// <summary>
/// The store, the rules and the dialer (admission + live calls + simulator) on a fake clock, without HTTP, plus
/// the test's own model of what it told the appliance: orgs and their terms, contacts and their consent.
/// </summary>
public sealed class DialerWorld : IAsyncDisposable
{
    public sealed class OrgModel
    {
        public string Id { get; init; } = "";

        public bool Active { get; set; } = true;

        public string Hours { get; set; } = CallingHours.Default;

        public int MaxAttempts { get; set; }

        public int MaxConcurrent { get; set; }

        public double CallsPerSecond { get; set; }

        public CallPricing Pricing { get; set; }

        public List<string> Playbooks { get; } = [];

        public Dictionary<string, int> PlaybookMax { get; } = [];
    }

    public sealed class PersonModel
    {
        public string OrgId { get; init; } = "";

        public string Number { get; init; } = "";

        public string Zone { get; init; } = "";

        public bool Exists { get; set; }

        public bool Consent { get; set; }

        public bool OptedOut { get; set; }

        public bool Erased { get; set; }

        public bool Callable => Exists && Consent && !OptedOut && !Erased;
    }

    private readonly TempDirectory _dataDir;
    private readonly ServiceProvider _services;

    private DialerWorld(TempDirectory dataDir, ServiceProvider services, FakeTimeProvider time)
    {
        _dataDir = dataDir;
        _services = services;
        Time = time;
    }

    public FakeTimeProvider Time { get; }

    public List<OrgModel> Orgs { get; } = [];

    public List<PersonModel> People { get; } = [];

    public DialerOptions Options => Get<Microsoft.Extensions.Options.IOptions<DialerOptions>>().Value;

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    public ApplianceStore Store => Get<ApplianceStore>();

    /// <param name="store">The store (<c>sqlite</c>, <c>postgres</c>); <see cref="TestStore.Provider"/> when null.</param>
    public static async Task<DialerWorld> CreateAsync(DateTimeOffset start, IReadOnlyDictionary<string, string?> settings, string? store = null)
    {
        var dataDir = new TempDirectory("world");
        var time = new FakeTimeProvider(start);
        var overrides = new Dictionary<string, string?>(await TestStore.SettingsAsync(dataDir.Path, store));
        foreach (var (key, value) in settings)
        {
            overrides[key] = value;
        }

        var applianceSettings = new ApplianceSettings(dataDir.Path, Overrides: overrides);
        var configuration = ApplianceConfiguration.Build(applianceSettings);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(time);
        services.AddApplianceFoundation(configuration, applianceSettings);
        services.AddDialer(configuration);
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<ApplianceInitializer>().InitializeAsync();
        return new DialerWorld(dataDir, provider, time);
    }

    public async Task<OrgModel> AddOrgAsync(Random random, string name)
    {
        var org = await Get<OrgStore>().CreateAsync(name);
        var model = new OrgModel
        {
            Id = org.Id,
            Hours = Pick(random, HourChoices),
            MaxAttempts = random.Next(1, 4),
            MaxConcurrent = random.Next(1, 4),
            CallsPerSecond = Pick(random, [0.5, 1, 2, 3]),
            Pricing = new CallPricing(random.Next(1, 15), Pick(random, [1, 6, 60])),
        };
        await Get<OrgStore>().UpdateTermsAsync(org.Id, new OrgTermsChange(null, model.Pricing.RatePaisePerSec, model.Pricing.BillingIncrementSec,
            model.MaxConcurrent, model.CallsPerSecond));
        await Get<OrgStore>().UpdateSettingsAsync(org.Id, new OrgSettingsChange(CallingHours: model.Hours, MaxAttemptsPerDay: model.MaxAttempts));
        for (var i = 0; i < 2; i++)
        {
            var max = random.Next(20, 400);
            var playbook = await Get<PlaybookStore>().CreateAsync(org.Id, new PlaybookInput($"p{i}", "en-IN", max, "Acme calling.", "Renewal due.",
                Dtmf: random.Next(2) == 0 ? new Dictionary<string, string> { ["1"] = "handoff", ["9"] = "opt_out" } : null, HandoffTarget: "+918012345678"));
            model.Playbooks.Add(playbook.Id);
            model.PlaybookMax[playbook.Id] = max;
        }

        await Get<CreditLedger>().TopUpAsync(org.Id, random.Next(0, 8_000), "seed");
        Orgs.Add(model);
        return model;
    }

    /// <summary>Numbers in four countries; the last two digits pick the simulator's behaviour.</summary>
    public async Task AddPeopleAsync(Random random, OrgModel org, int count)
    {
        string[] suffixes = ["12", "34", "56", "78", "81", "82", "83", "86", "87", "88", "88", "89"];
        for (var i = 0; i < count; i++)
        {
            var middle = random.Next(10, 99).ToString();
            var suffix = Pick(random, suffixes);
            var (number, zone) = random.Next(4) switch
            {
                0 => ($"+1212555{middle}{suffix}", "America/New_York"),
                1 => ($"+44207946{middle[..1]}{middle[1..]}{suffix}", "Europe/London"),
                2 => ($"+612925{middle}{suffix}", "Australia/Sydney"),
                _ => ($"+919812{middle}{random.Next(10, 99)}{suffix}", "Asia/Kolkata"),
            };
            if (PhoneNumberRules.ToE164(number) is null || People.Any(p => p.OrgId == org.Id && p.Number == number))
            {
                continue;
            }

            var person = new PersonModel { OrgId = org.Id, Number = number, Zone = zone };
            if (random.Next(5) > 0)
            {
                person.Consent = random.Next(4) > 0;
                person.Exists = true;
                await Get<ContactStore>().UpsertAsync(org.Id, new ContactInput(number, ConsentCapture: person.Consent ? "imported" : null));
                if (random.Next(10) == 0)
                {
                    await OptOutAsync(person);
                }
            }

            People.Add(person);
        }
    }

    public async Task OptOutAsync(PersonModel person)
    {
        var contact = await Store.WriteAsync(tx => Get<ContactStore>().FindByPhoneAsync(tx, person.OrgId, person.Number));
        await Get<ContactStore>().OptOutAsync(person.OrgId, contact!.Id, ContactChannel.Voice, "test");
        person.OptedOut = true;
    }

    public async Task EraseAsync(PersonModel person)
    {
        var contact = await Store.WriteAsync(tx => Get<ContactStore>().FindByPhoneAsync(tx, person.OrgId, person.Number));
        await Get<ContactStore>().EraseAsync(person.OrgId, contact!.Id);
        person.Erased = true;
        person.Exists = false;
    }

    public async Task GiveConsentAsync(PersonModel person)
    {
        await Get<ContactStore>().UpsertAsync(person.OrgId, new ContactInput(person.Number, ConsentCapture: "manual"));
        person.Exists = true;
        person.Consent = true;
    }

    public LiveCalls LiveCalls => Get<LiveCalls>();

    public static readonly string[] HourChoices = ["* 9-20 * * 1-6", "* 10-17 * * 1-5", "* * * * *", "*/2 8-21 * * *", "0-29 12-14 * * *", "* 0-23 * * 0,6"];

    public static T Pick<T>(Random random, IReadOnlyList<T> choices) => choices[random.Next(choices.Count)];

    public async ValueTask DisposeAsync()
    {
        await LiveCalls.StopAllAsync(CancellationToken.None);
        await _services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dataDir.Dispose();
    }
}
