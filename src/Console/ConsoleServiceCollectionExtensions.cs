using Cualify.Appliance.OperatorConsole.Sessions;
using Cualify.Appliance.Core.Store;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cualify.Appliance.OperatorConsole;

public static class ConsoleServiceCollectionExtensions
{
    /// <summary>
    /// The operator console: Razor components rendered on the server, anti-forgery, and sessions whose cookies are
    /// protected with keys kept in the data folder (so a restart keeps operators signed in) or, on PostgreSQL, in the
    /// store, shared by every node.
    /// </summary>
    public static IServiceCollection AddConsole(this IServiceCollection services, IConfiguration configuration, string dataDirectory, string version)
    {
        services.AddOptions<ConsoleOptions>().Bind(configuration.GetSection(ConsoleOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddDataProtection()
            .SetApplicationName("cualify-appliance")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, "console-keys")));
        if (configuration.GetSection(StoreOptions.Section)[nameof(StoreOptions.Provider)] == StoreProvider.Postgres)
        {
            // Nothing here reads the store's settings until a key is needed: doctor builds this to report bad settings.
            services.AddSingleton<StoreKeyRing>();
            services.AddOptions<KeyManagementOptions>().Configure<IServiceProvider>((keys, provider) =>
            {
                keys.XmlRepository = provider.GetRequiredService<StoreKeyRing>();
                keys.XmlEncryptor = new SealedXmlEncryptor(provider);
            });
        }

        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "cualify_console_af";
            options.Cookie.Path = ConsolePaths.Root;
            options.Cookie.SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Strict;
        });
        services.AddRazorComponents();
        services.AddSingleton<SessionCookie>();
        services.AddSingleton<ConsoleSessions>();
        services.AddSingleton<Live.LiveStream>();
        services.AddSingleton(new Health.ConsoleBuild(version));
        services.AddSingleton<Health.SystemChecks>();
        return services;
    }
}
