using Cualify.Appliance.Core.Api;
using Cualify.Appliance.Core.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Hosting;

/// <summary>Says in the log when the appliance serves, when a stop begins (and how long it may take) and when it is done.</summary>
public sealed class ServiceLifecycleLog(
    IHostApplicationLifetime lifetime,
    IOptions<ServiceHostOptions> options,
    IOptions<ApiOptions> api,
    DataDirectory dataDirectory,
    ILogger<ServiceLifecycleLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => logger.LogInformation(
            "Cualify Appliance {Version} serving {Urls}; data folder {DataDir}; running as {Mode}",
            BuildInfo.Version, api.Value.Urls, dataDirectory.Path, BuildInfo.ServiceMode));
        lifetime.ApplicationStopping.Register(() => logger.LogInformation(
            "Stopping: no new requests; finishing in-flight requests and work (at most {ShutdownTimeout})", options.Value.ShutdownTimeout));
        lifetime.ApplicationStopped.Register(() => logger.LogInformation("Stopped cleanly"));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
