namespace Cualify.Appliance.Core.Store;

/// <summary>A queued write that returns <typeparamref name="T"/> to its caller once its batch commits.</summary>
internal sealed class WriteItem<T>(Func<StoreTransaction, Task<T>> write, CancellationToken cancellationToken) : IWriteItem
{
    private const int Pending = 0;
    private const int Started = 1;
    private const int Cancelled = 2;
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _state;
    private T? _result;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    public Task<T> Task => _completion.Task;

    Task IWriteItem.Task => _completion.Task;

    public bool TryStart()
    {
        if (CancellationToken.IsCancellationRequested)
        {
            TryCancel();
            return false;
        }

        return Interlocked.CompareExchange(ref _state, Started, Pending) == Pending;
    }

    public void TryCancel()
    {
        if (Interlocked.CompareExchange(ref _state, Cancelled, Pending) == Pending)
        {
            _completion.TrySetCanceled(CancellationToken);
        }
    }

    public async Task RunAsync(StoreTransaction tx) => _result = await write(tx);

    public void Complete() => _completion.TrySetResult(_result!);

    public void Fail(Exception exception) => _completion.TrySetException(exception);
}
