using Cualify.Appliance.Core.Calls;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Dialer.Telephony;

/// <summary>
/// The provider <c>Dialer:Provider</c> names, resolved once: the last one registered with
/// <see cref="TelephonyServiceCollectionExtensions.AddTelephonyProvider{TProvider}"/> under that name. A name this build
/// lacks stops start-up with a message naming the setting.
/// </summary>
public sealed class SelectedTelephonyProvider(IServiceProvider services, IOptions<DialerOptions> options, IEnumerable<TelephonyProviderName> registered)
{
    private readonly Lazy<ITelephonyProvider> _provider = new(() => Resolve(services, options.Value.Provider, registered));

    public ITelephonyProvider Provider => _provider.Value;

    private static ITelephonyProvider Resolve(IServiceProvider services, string name, IEnumerable<TelephonyProviderName> registered)
    {
        var registration = registered.LastOrDefault(r => r.Name == name);
        if (registration is null)
        {
            var available = string.Join(", ", registered.Select(r => r.Name).Distinct());
            throw new OptionsValidationException(DialerOptions.Section, typeof(DialerOptions),
                [$"Dialer:Provider is '{name}', but this build has no '{name}' provider; available: {available}"]);
        }

        var provider = (ITelephonyProvider)services.GetRequiredService(registration.Implementation);
        return provider.Name == name
            ? provider
            : throw new InvalidOperationException($"The provider registered as '{name}' calls itself '{provider.Name}'");
    }
}
