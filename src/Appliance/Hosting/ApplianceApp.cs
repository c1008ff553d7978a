using Cualify.Appliance.LocalApi;
using Cualify.Appliance.Logging;
using Cualify.Appliance.Core.Common;
using Cualify.Appliance.Mailer;
using Cualify.Appliance.Relay;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;

namespace Cualify.Appliance.Hosting;

/// <summary>The composition root of <c>run</c>: the API on Kestrel plus every worker, as one service.</summary>
public static class ApplianceApp
{
    public static WebApplication Build(ApplianceSettings settings, Action<IServiceCollection>? overrideServices = null, bool logToConsole = true)
    {
        Directory.CreateDirectory(settings.DataDirFullPath);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddApplianceSources(settings);

        // Runs in the foreground, under systemd (notify readiness, journal) or as a Windows service: same binary.
        builder.Host.UseSystemd();
        builder.Host.UseWindowsService(options => options.ServiceName = "cualify-appliance");
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(30));

        // Serilog: console and daily files under the data folder, every line redacted.
        var dataDirectory = new DataDirectory(settings.DataDirFullPath);
        builder.Services.AddSerilog((_, logger) => ApplianceLogging.Configure(logger, builder.Configuration, dataDirectory, logToConsole));

        // Kestrel listens where Api:Urls says (127.0.0.1:8080 unless configured).
        builder.WebHost.UseUrls(builder.Configuration["Api:Urls"] ?? "http://127.0.0.1:8080");

        builder.Services.AddApplianceFoundation(builder.Configuration, settings);
        builder.Services.AddLocalApi();

        // The signed webhook relay: fans the outbox out to endpoints, retries, records every attempt.
        builder.Services.AddRelay(builder.Configuration);

        // Email sequences: SMTP out (or the pickup folder), IMAP replies and bounces, admin notices.
        builder.Services.AddMailer(builder.Configuration);

        overrideServices?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseSerilogRequestLogging(options => options.MessageTemplate = "HTTP {RequestMethod} {RequestPath} answered {StatusCode} in {Elapsed:0.0} ms");
        app.UseLocalApi();
        return app;
    }
}
