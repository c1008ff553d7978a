using Cualify.Appliance.Core.Api;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Campaigns;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Contacts.Import;
using Cualify.Appliance.Core.Credits;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Idempotency;
using Cualify.Appliance.Core.Mail;
using Cualify.Appliance.Core.Metrics;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Secrets;
using Cualify.Appliance.Core.Sequences;
using Cualify.Appliance.Core.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cualify.Appliance.Core;

public static class CoreServiceCollectionExtensions
{
    /// <summary>The store and the rules: orgs, keys, credits, contacts, the outbox, idempotency, secrets, metrics.</summary>
    public static IServiceCollection AddApplianceCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<StoreOptions>()
            .Bind(configuration.GetSection(StoreOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddOptions<ApiOptions>()
            .Bind(configuration.GetSection(ApiOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<ApplianceStore>();
        services.AddSingleton<Migrator>();
        services.AddSingleton<ApplianceInitializer>();
        services.AddSingleton<SecretProtector>();
        services.AddSingleton<SecretKeyCanary>();
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<EventOutbox>();
        services.AddSingleton<EventReader>();
        services.AddSingleton<OrgStore>();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<CreditLedger>();
        services.AddSingleton<CreditBurn>();
        services.AddSingleton<ContactStore>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IContactErasureStep, AdminNotices.AdminNoticeErasure>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IContactErasureStep, IdempotencyErasure>());
        services.AddSingleton<IdempotencyRecords>();
        services.AddSingleton<ApplianceMetrics>();
        services.AddSingleton<IMetricsSource, CreditMetrics>();
        services.AddSingleton<Health.IReadinessCheck, Health.StoreReadiness>();
        services.AddHostedService<StoreMaintenance>();
        services.AddOptions<Cluster.ClusterOptions>()
            .Bind(configuration.GetSection(Cluster.ClusterOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<Cluster.ClusterOptions>, Cluster.ClusterOptionsValidator>();
        services.AddSingleton<Cluster.ClusterNode>();
        services.AddSingleton<Cluster.PeerNodes>();
        services.AddSingleton<Cluster.NodeRequestSigner>();
        services.AddSingleton<Cluster.LeaderLease>();
        services.AddSingleton<Cluster.SharedRate>();
        services.AddSingleton<Cluster.SharedSlidingWindow>();
        services.AddSingleton<Cluster.LeasedSlidingWindows>();
        services.AddSingleton<RateLimits.SlidingWindowLimiter>();
        services.AddSingleton<RateLimits.AuthenticationFailures>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMetricsSource, Cluster.ClusterMetrics>());
        services.AddSingleton<Cluster.NodeHeartbeat>();
        services.AddHostedService(sp => sp.GetRequiredService<Cluster.NodeHeartbeat>());
        // One channel per kind of work, so a node wakes only the workers that have something new to look at.
        services.AddSingleton(sp => new Cluster.WakeupChannel("cualify_outbox", sp.GetRequiredService<OutboxSignal>()));
        services.AddSingleton(sp => new Cluster.WakeupChannel("cualify_calls", sp.GetRequiredService<DialSignal>()));
        services.AddSingleton(sp => new Cluster.WakeupChannel("cualify_steps", sp.GetRequiredService<MailSignal>()));
        services.AddSingleton(sp => new Cluster.WakeupChannel("cualify_recording_removals", sp.GetRequiredService<Recordings.RecordingRemovalSignal>()));
        services.AddSingleton<Cluster.ClusterWakeups>();
        services.AddHostedService(sp => sp.GetRequiredService<Cluster.ClusterWakeups>());
        services.AddPlaybooksAndCalls(configuration);
        services.AddSequences(configuration);
        services.AddMail();
        services.AddContactImports(configuration);
        services.AddCampaigns();
        return services;
    }
}
