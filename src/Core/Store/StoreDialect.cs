namespace Cualify.Appliance.Core.Store;

/// <summary>
/// The few SQL pieces that differ between SQLite and PostgreSQL. Everything else the code writes is portable
/// (timestamps are fixed-width UTC text and flags 0/1 integers on both, JSON is kept as text).
/// </summary>
public abstract class StoreDialect
{
    public static readonly StoreDialect Sqlite = new SqliteDialect();
    public static readonly StoreDialect Postgres = new PostgresDialect();

    public abstract bool IsPostgres { get; }

    /// <summary>The text at <paramref name="key"/> (a top-level key, or dotted path) of a JSON text column or expression.</summary>
    public abstract string JsonText(string json, string key);

    /// <summary>A row source with one text column <c>value</c> per element of a JSON array of scalars given as text.</summary>
    public abstract string JsonValues(string json);

    /// <summary>A row source with one column <c>value</c> per object of a JSON array given as text; read its fields with <c>value ->> 'name'</c>.</summary>
    public abstract string JsonObjects(string json);

    /// <summary>A JSON object (as text) built from keys and SQL value expressions.</summary>
    public abstract string JsonObject(params (string Key, string Value)[] fields);

    /// <summary>The JSON <c>true</c> as a value of <see cref="JsonObject"/>.</summary>
    public abstract string JsonTrue { get; }

    /// <summary>Locks the rows a <c>SELECT</c> reads until the write commits (PostgreSQL); SQLite's one writer needs none.</summary>
    public abstract string ForUpdate { get; }

    /// <summary>Claims what a <c>SELECT</c> reads, passing over rows another transaction (another node) holds; SQLite needs none.</summary>
    public abstract string SkipLocked(string table);

    /// <summary>SQLite's <c>LIKE</c> ignores ASCII case; PostgreSQL needs <c>ILIKE</c> for the same.</summary>
    public abstract string LikeIgnoringCase { get; }

    /// <summary>Position of <paramref name="needle"/> in <paramref name="haystack"/>, 1-based, 0 when absent.</summary>
    public abstract string Position(string haystack, string needle);

    private sealed class SqliteDialect : StoreDialect
    {
        public override bool IsPostgres => false;

        public override string JsonText(string json, string key) => $"json_extract({json}, '$.{key}')";

        public override string JsonValues(string json) => $"json_each({json})";

        public override string JsonObjects(string json) => $"json_each({json})";

        public override string JsonObject(params (string Key, string Value)[] fields) =>
            $"json_object({string.Join(", ", fields.Select(f => $"'{f.Key}', {f.Value}"))})";

        public override string JsonTrue => "json('true')";

        public override string ForUpdate => "";

        public override string SkipLocked(string table) => "";

        public override string LikeIgnoringCase => "LIKE";

        public override string Position(string haystack, string needle) => $"instr({haystack}, {needle})";
    }

    private sealed class PostgresDialect : StoreDialect
    {
        public override bool IsPostgres => true;

        public override string JsonText(string json, string key) =>
            $"(({json})::jsonb #>> '{{{string.Join(',', key.Split('.').Select(part => part.Trim('"')))}}}')";

        public override string JsonValues(string json) => $"jsonb_array_elements_text(({json})::jsonb)";

        public override string JsonObjects(string json) => $"jsonb_array_elements(({json})::jsonb)";

        public override string JsonObject(params (string Key, string Value)[] fields) =>
            $"json_build_object({string.Join(", ", fields.Select(f => $"'{f.Key}', {f.Value}"))})::text";

        public override string JsonTrue => "true";

        public override string ForUpdate => " FOR UPDATE";

        public override string SkipLocked(string table) => $" FOR UPDATE OF {table} SKIP LOCKED";

        public override string LikeIgnoringCase => "ILIKE";

        public override string Position(string haystack, string needle) => $"strpos({haystack}, {needle})";
    }
}
