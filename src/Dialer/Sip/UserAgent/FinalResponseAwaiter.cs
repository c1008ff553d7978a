using Cualify.Appliance.Dialer.Sip.Messages;
using Cualify.Appliance.Dialer.Sip.Transactions;

namespace Cualify.Appliance.Dialer.Sip.UserAgent;

/// <summary>Turns a client transaction into a task of its final response (null on timeout or transport error).</summary>
internal sealed class FinalResponseAwaiter : IClientTransactionUser
{
    private readonly TaskCompletionSource<SipResponse?> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenRegistration _registration;

    public FinalResponseAwaiter(CancellationToken cancellationToken)
    {
        _registration = cancellationToken.Register(() => _result.TrySetCanceled(cancellationToken));
    }

    public Task<SipResponse?> Task => _result.Task;

    public void OnResponse(ClientTransaction transaction, SipResponse response)
    {
        if (response.IsFinal)
        {
            Complete(response);
        }
    }

    public void OnTimeout(ClientTransaction transaction) => Complete(null);

    public void OnTransportError(ClientTransaction transaction, Exception error) => Complete(null);

    private void Complete(SipResponse? response)
    {
        _result.TrySetResult(response);
        _registration.Dispose();
    }
}
