using System.Data;
using System.Globalization;
using Dapper;

namespace Cualify.Appliance.Core.Store;

/// <summary>
/// Timestamps are stored as fixed-width UTC text (<c>2026-05-31T14:22:11.123Z</c>) so that text order is time
/// order in SQL and the same column reads the same in any SQLite tool.
/// </summary>
public static class UtcTimestamp
{
    private const string StoreFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString(StoreFormat, CultureInfo.InvariantCulture);

    public static DateTimeOffset Parse(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    internal static void Register()
    {
        SqlMapper.RemoveTypeMap(typeof(DateTimeOffset));
        SqlMapper.RemoveTypeMap(typeof(DateTimeOffset?));
        SqlMapper.AddTypeHandler(new Handler());
    }

    private sealed class Handler : SqlMapper.TypeHandler<DateTimeOffset>
    {
        public override void SetValue(IDbDataParameter parameter, DateTimeOffset value)
        {
            parameter.DbType = DbType.String;
            parameter.Value = Format(value);
        }

        public override DateTimeOffset Parse(object value) => value switch
        {
            string text => UtcTimestamp.Parse(text),
            DateTime dateTime => new DateTimeOffset(DateTime.SpecifyKind(dateTime, DateTimeKind.Utc)),
            _ => throw new DataException($"Cannot read a timestamp from {value.GetType().Name}"),
        };
    }
}
