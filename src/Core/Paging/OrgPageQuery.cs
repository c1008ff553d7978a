using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Paging;

/// <summary>
/// One page of an org's rows in a table, newest first (ids are time-ordered), under the filters that apply, with
/// the total they match. Parameters come from the caller's object; <c>@OrgId</c> is always required.
/// </summary>
public sealed class OrgPageQuery(string table, string columns)
{
    private readonly List<string> _conditions = ["org_id = @OrgId"];

    /// <summary>Adds <paramref name="condition"/> when <paramref name="applies"/>.</summary>
    public OrgPageQuery Where(bool applies, string condition)
    {
        if (applies)
        {
            _conditions.Add(condition);
        }

        return this;
    }

    public Task<Page<T>> ReadAsync<T>(ApplianceStore store, object parameters, PageRequest page, CancellationToken cancellationToken)
    {
        var condition = string.Join(" AND ", _conditions);
        var args = new DynamicParameters(parameters);
        args.Add("Limit", page.Limit);
        args.Add("Offset", page.Offset);
        return store.ReadAsync(async connection =>
        {
            var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                $"SELECT count(*) FROM {table} WHERE {condition}", args, cancellationToken: cancellationToken));
            var rows = await connection.QueryAsync<T>(new CommandDefinition(
                $"SELECT {columns} FROM {table} WHERE {condition} ORDER BY id DESC LIMIT @Limit OFFSET @Offset", args, cancellationToken: cancellationToken));
            return new Page<T>(rows.ToList(), page, total);
        }, cancellationToken);
    }
}
