using Cualify.Appliance.Core;
using Cualify.Appliance.Core.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cualify.Appliance.Hosting;

public static class ApplianceServiceCollectionExtensions
{
    /// <summary>What every verb needs: the data folder, the store and the rules, with defaults under the data folder.</summary>
    public static IServiceCollection AddApplianceFoundation(this IServiceCollection services, IConfiguration configuration, ApplianceSettings settings)
    {
        var dataDirectory = new DataDirectory(settings.DataDirFullPath);
        services.AddSingleton(dataDirectory);
        services.AddApplianceCore(configuration);
        services.PostConfigure<StoreOptions>(options =>
        {
            if (string.IsNullOrWhiteSpace(options.Path))
            {
                options.Path = dataDirectory.Combine("appliance.db");
            }
        });
        return services;
    }
}
