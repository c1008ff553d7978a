using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Cualify.Appliance.Core.Contacts.Import;

public static class ContactImportServiceCollectionExtensions
{
    /// <summary>CSV contact imports and the runner that works through uploaded ones (<c>Contacts:Import</c> settings).</summary>
    public static IServiceCollection AddContactImports(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ContactImportOptions>()
            .Bind(configuration.GetSection(ContactImportOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<ContactImports>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ContactImportRunner>());
        return services;
    }
}
