using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>
/// The outermost handler of the SDK's requests: sends them to <c>Dialer:Twilio:ApiBaseUrl</c> instead of the host the
/// SDK names (a regional edge, or a test's stand-in), and gives them what the SDK's own HTTP layer cannot — the
/// caller's cancellation and the HTTP status of the answer — through <see cref="TwilioRequestScope"/>.
/// </summary>
public sealed class TwilioApiHandler(IOptions<TwilioOptions> options) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is { } uri)
        {
            request.RequestUri = Rebase(uri, options.Value.ApiBase);
        }

        var scope = TwilioRequestScope.Current;
        using var linked = scope is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, scope.CancellationToken);
        var response = await base.SendAsync(request, linked?.Token ?? cancellationToken);
        scope?.Answered((int)response.StatusCode);
        return response;
    }

    /// <summary><paramref name="uri"/>'s path and query under <paramref name="apiBase"/>.</summary>
    public static Uri Rebase(Uri uri, Uri apiBase)
    {
        var builder = new UriBuilder(apiBase)
        {
            Path = apiBase.AbsolutePath.TrimEnd('/') + uri.AbsolutePath,
            Query = uri.Query.TrimStart('?'),
        };
        return builder.Uri;
    }
}

/// <summary>
/// What one SDK call carries down to <see cref="TwilioApiHandler"/> through the async flow: the SDK's request methods
/// take no cancellation token and turn an error answer into an exception without its HTTP status.
/// </summary>
public sealed class TwilioRequestScope : IDisposable
{
    private static readonly AsyncLocal<TwilioRequestScope?> Scope = new();
    private readonly TwilioRequestScope? _outer;

    private TwilioRequestScope(CancellationToken cancellationToken)
    {
        CancellationToken = cancellationToken;
        _outer = Scope.Value;
        Scope.Value = this;
    }

    public static TwilioRequestScope? Current => Scope.Value;

    public CancellationToken CancellationToken { get; }

    /// <summary>The HTTP status of the last answer Twilio gave within this scope (after retries).</summary>
    public int? LastStatus { get; private set; }

    public static TwilioRequestScope Begin(CancellationToken cancellationToken) => new(cancellationToken);

    internal void Answered(int status) => LastStatus = status;

    public void Dispose() => Scope.Value = _outer;
}
