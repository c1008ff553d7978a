using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Configuration;

namespace Cualify.Appliance.Dialer.Sip;

/// <summary>The <c>sip</c> provider: calls go out through our own SIP user agent to the configured trunk.</summary>
public sealed class SipTelephonyProvider : ITelephonyProvider
{
    private readonly Func<CancellationToken, Task<SipStack>> _stack;

    public SipTelephonyProvider(SipStackService service) => _stack = service.StackAsync;

    /// <summary>Over a stack the caller runs (tests, the bench).</summary>
    public SipTelephonyProvider(SipStack stack) => _stack = _ => Task.FromResult(stack);

    public const string ProviderName = "sip";

    public string Name => ProviderName;

    /// <summary>Whether <c>Dialer:Provider</c> names this provider.</summary>
    public static bool IsSelected(IConfiguration configuration) =>
        string.Equals(configuration["Dialer:Provider"], ProviderName, StringComparison.OrdinalIgnoreCase);

    public async Task<IProviderCall> StartAsync(CallPlan plan, ICallProgress progress, CancellationToken cancellationToken)
    {
        var stack = await _stack(cancellationToken);
        return await stack.UserAgent.PlaceCallAsync(plan, progress, cancellationToken);
    }
}
