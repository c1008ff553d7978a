using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Paging;

/// <summary>
/// One page of a list, under the conditions that apply, with the total they match: the one way every list
/// endpoint reads its rows. Newest first by default (ids are time-ordered). Parameters come from the caller's object.
/// </summary>
/// <param name="from">A table, or a join with its aliases.</param>
/// <param name="orderBy">The page order; it must be total (end on a unique column) so that pages do not overlap.</param>
public sealed class ListQuery(string from, string columns, string orderBy = "id DESC")
{
    private readonly List<string> _conditions = [];

    /// <summary>The org's rows of <paramref name="table"/>; the parameters must carry <c>OrgId</c>.</summary>
    public static ListQuery OfOrg(string table, string columns, string orderBy = "id DESC") =>
        new ListQuery(table, columns, orderBy).Where("org_id = @OrgId");

    public ListQuery Where(string condition) => Where(true, condition);

    /// <summary>Adds <paramref name="condition"/> when <paramref name="applies"/>.</summary>
    public ListQuery Where(bool applies, string condition)
    {
        if (applies)
        {
            _conditions.Add(condition);
        }

        return this;
    }

    public Task<Page<T>> ReadAsync<T>(ApplianceStore store, object? parameters, PageRequest page, CancellationToken cancellationToken)
    {
        var where = _conditions.Count == 0 ? "" : $" WHERE {string.Join(" AND ", _conditions)}";
        var args = new DynamicParameters();
        if (parameters is not null)
        {
            args.AddDynamicParams(parameters);
        }

        args.Add("Limit", page.Limit);
        args.Add("Offset", page.Offset);
        return store.ReadAsync(async connection =>
        {
            var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                $"SELECT count(*) FROM {from}{where}", args, cancellationToken: cancellationToken));
            var rows = await connection.QueryAsync<T>(new CommandDefinition(
                $"SELECT {columns} FROM {from}{where} ORDER BY {orderBy} LIMIT @Limit OFFSET @Offset", args, cancellationToken: cancellationToken));
            return new Page<T>(rows.ToList(), page, total);
        }, cancellationToken);
    }
}
