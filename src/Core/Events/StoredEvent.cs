using System.Text.Json;
using Cualify.Appliance.Core.Json;

namespace Cualify.Appliance.Core.Events;

/// <summary>An outbox row: the envelope every receiver gets is built from it.</summary>
public sealed class StoredEvent
{
    /// <summary>The writing transaction's id on PostgreSQL (0 on SQLite): with <see cref="Seq"/>, the outbox order (see <see cref="OutboxOrder"/>).</summary>
    public long Tx { get; set; }

    public long Seq { get; set; }

    public string Id { get; init; } = "";

    public string OrgId { get; init; } = "";

    public string Type { get; init; } = "";

    public string Data { get; init; } = "{}";

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The delivery envelope <c>{"id","event","created_at","data"}</c> as JSON text.</summary>
    public string ToEnvelopeJson() => ApplianceJson.Serialize(new EventEnvelope(Id, Type, CreatedAt, ApplianceJson.Element(Data)));
}

public sealed record EventEnvelope(string Id, string Event, DateTimeOffset CreatedAt, JsonElement Data);
