using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cualify.Appliance.Dialer.Telephony;

/// <summary>A provider this build can dial through, registered under the name <c>Dialer:Provider</c> selects.</summary>
public sealed record TelephonyProviderName(string Name, Type Implementation);

public static class TelephonyServiceCollectionExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TProvider"/> as the provider called <paramref name="name"/>
    /// (<c>simulator</c>, <c>sip</c>, <c>twilio</c>). Only the one <c>Dialer:Provider</c> names is ever built,
    /// so an unused provider opens no sockets.
    /// </summary>
    public static IServiceCollection AddTelephonyProvider<TProvider>(this IServiceCollection services, string name)
        where TProvider : class, ITelephonyProvider
    {
        services.TryAddSingleton<TProvider>();
        services.AddSingleton(new TelephonyProviderName(name, typeof(TProvider)));
        return services;
    }
}
