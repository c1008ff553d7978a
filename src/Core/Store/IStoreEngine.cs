using System.Data.Common;

namespace Cualify.Appliance.Core.Store;

/// <summary>One provider behind <see cref="ApplianceStore"/>: how it opens readers and runs a write transaction.</summary>
internal interface IStoreEngine : IAsyncDisposable
{
    StoreDialect Dialect { get; }

    Task<DbConnection> OpenReaderAsync(CancellationToken cancellationToken);

    /// <summary>Runs <paramref name="write"/> in a transaction made by <paramref name="begin"/>; after-commit actions run once it is durable.</summary>
    Task<T> WriteAsync<T>(Func<StoreTransaction, Task<T>> write, TransactionFactory begin, CancellationToken cancellationToken);

    Task<bool> CheckpointAsync(CancellationToken cancellationToken);
}

internal delegate StoreTransaction TransactionFactory(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);
