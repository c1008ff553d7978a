using System.Data;
using Dapper;

namespace Cualify.Appliance.Core.Store;

/// <summary>
/// Flags are stored as 0/1 integers on both providers (SQLite has no boolean type), so SQL such as
/// <c>active = 1</c> reads the same everywhere; a <see cref="bool"/> parameter is bound as that integer.
/// </summary>
internal static class StoredFlag
{
    internal static void Register()
    {
        SqlMapper.RemoveTypeMap(typeof(bool));
        SqlMapper.RemoveTypeMap(typeof(bool?));
        SqlMapper.AddTypeHandler(new Handler());
    }

    private sealed class Handler : SqlMapper.TypeHandler<bool>
    {
        public override void SetValue(IDbDataParameter parameter, bool value)
        {
            parameter.DbType = DbType.Int64;
            parameter.Value = value ? 1L : 0L;
        }

        public override bool Parse(object value) => Convert.ToInt64(value) != 0;
    }
}
