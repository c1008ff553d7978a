using Cualify.Appliance.OperatorConsole.Sessions;
using Cualify.Appliance.Core.Secrets;
using Cualify.Appliance.Core.Store;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

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
        services.AddSingleton<StoreKeyRing>();
        services.AddOptions<KeyManagementOptions>().Configure<IOptions<StoreOptions>, StoreKeyRing, SecretProtector>((keys, store, ring, secrets) =>
        {
            if (store.Value.IsPostgres)
            {
                keys.XmlRepository = ring;
                keys.XmlEncryptor = new SealedXmlEncryptor(secrets);
            }
        });
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
