namespace Cualify.Appliance.Core.Store;

/// <summary>One queued write of a group-commit batch.</summary>
internal interface IWriteItem
{
    CancellationToken CancellationToken { get; }

    Task Task { get; }

    /// <summary>Claims the item for a batch; false when it was cancelled before its turn.</summary>
    bool TryStart();

    Task RunAsync(StoreTransaction tx);

    /// <summary>Hands over the result once the batch has committed.</summary>
    void Complete();

    void Fail(Exception exception);
}
