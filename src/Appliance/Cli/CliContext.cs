using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Hosting;
using Cualify.Appliance.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serilog;

namespace Cualify.Appliance.Cli;

/// <summary>
/// The services a one-shot verb needs (store and rules, logging to the data folder's files only, so standard
/// output carries just the verb's answer), built from the same configuration as <c>run</c>.
/// </summary>
public sealed class CliContext : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private CliContext(ServiceProvider services) => _services = services;

    public static CliContext Create(ApplianceSettings settings)
    {
        ServiceFolderGuard.Check(settings.DataDirFullPath);
        PrivateFiles.CreateFolder(settings.DataDirFullPath);
        var configuration = ApplianceConfiguration.Build(settings);
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        var logger = ApplianceLogging.Configure(new LoggerConfiguration(), configuration, new DataDirectory(settings.DataDirFullPath), console: false).CreateLogger();
        services.AddLogging(logging => logging.AddSerilog(logger, dispose: true));
        services.AddApplianceFoundation(configuration, settings);
        return new CliContext(services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true }));
    }

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
