using System.Globalization;
using Cualify.Appliance.OperatorConsole;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Dialer;
using Cualify.Appliance.Doctor;
using Cualify.Appliance.LocalApi;
using Cualify.Appliance.Logging;
using Cualify.Appliance.Mailer;
using Cualify.Appliance.Relay;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;

namespace Cualify.Appliance.Hosting;

/// <summary>The composition root of <c>run</c> (and of <c>doctor</c>, which checks it): the API on Kestrel plus every worker, as one service.</summary>
public static class ApplianceApp
{
    /// <param name="createDataDir">False for <c>doctor</c>, which must report a missing or unwritable data folder rather than trip on it.</param>
    public static WebApplication Build(ApplianceSettings settings, Action<IServiceCollection>? overrideServices = null, bool logToConsole = true, bool createDataDir = true)
    {
        if (createDataDir)
        {
            PrivateFiles.CreateFolder(settings.DataDirFullPath);
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddApplianceSources(settings);

        // Runs in the foreground, under systemd (Type=notify: READY=1 once serving, STOPPING=1 on stop) or as a
        // Windows service: same binary, each lifetime is chosen at start from how the process was launched.
        builder.Host.UseSystemd();
        builder.Host.UseWindowsService(options => options.ServiceName = "cualify-appliance");
        builder.Services.AddServiceHosting(builder.Configuration);

        // Serilog: console and daily files under the data folder, every line redacted.
        var dataDirectory = new DataDirectory(settings.DataDirFullPath);
        builder.Services.AddSerilog((_, logger) => ApplianceLogging.Configure(logger, builder.Configuration, dataDirectory, logToConsole));
        builder.Services.AddOptions<LoggingOptions>().Bind(builder.Configuration.GetSection(LoggingOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        // Kestrel listens where Api:Urls says (127.0.0.1:8080 unless configured).
        builder.WebHost.UseUrls(builder.Configuration["Api:Urls"] ?? "http://127.0.0.1:8080");

        builder.Services.AddApplianceFoundation(builder.Configuration, settings);
        builder.Services.AddHostDoctorChecks();
        // The dialer: admission and scheduling, live calls above the provider Dialer:Provider names (simulator by default).
        builder.Services.AddDialer(builder.Configuration);
        builder.Services.AddLocalApi();

        // The operator console under /console on the same port: server-rendered pages, key sign-in, live views.
        builder.Services.AddConsole(builder.Configuration, settings.DataDirFullPath, BuildInfo.Version);

        // The signed webhook relay: fans the outbox out to endpoints, retries, records every attempt.
        builder.Services.AddRelay(builder.Configuration);

        // Email sequences: SMTP out (or the pickup folder), IMAP replies and bounces, admin notices.
        builder.Services.AddMailer(builder.Configuration);

        overrideServices?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseApplianceRequestLogging();
        app.UseLocalApi(afterRouting: console => console.UseConsole());
        app.MapConsole();
        return app;
    }

    /// <summary>Stop timeout from <c>Host:ShutdownTimeout</c>, lifecycle lines in the log, the systemd watchdog, build metrics.</summary>
    private static IServiceCollection AddServiceHosting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ServiceHostOptions>().Bind(configuration.GetSection(ServiceHostOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        // Read leniently: the host is built before validation runs, and ValidateOnStart names a bad value.
        services.AddOptions<HostOptions>().Configure(host =>
        {
            if (TimeSpan.TryParse(configuration[$"{ServiceHostOptions.Section}:{nameof(ServiceHostOptions.ShutdownTimeout)}"], CultureInfo.InvariantCulture, out var timeout)
                && timeout >= TimeSpan.FromSeconds(1) && timeout <= TimeSpan.FromMinutes(10))
            {
                host.ShutdownTimeout = timeout;
            }
            else
            {
                host.ShutdownTimeout = new ServiceHostOptions().ShutdownTimeout;
            }
        });
        services.AddHostedService<ServiceLifecycleLog>();
        services.AddHostedService<SystemdWatchdog>();
        services.AddSingleton<Core.Metrics.IMetricsSource, ProcessMetrics>();
        return services;
    }
}
