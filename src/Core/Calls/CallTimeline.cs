using System.Text.Json;
using Cualify.Appliance.Core.Json;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Calls;

/// <summary>The entry types of a call's timeline, in the order a call usually meets them.</summary>
public static class CallTimelineType
{
    public const string Queued = "queued";
    public const string Dialing = "dialing";
    public const string Ringing = "ringing";
    public const string Answered = "answered";
    public const string DisclosurePlayed = "disclosure_played";
    public const string DtmfReceived = "dtmf_received";
    public const string HandoffRequested = "handoff_requested";
    public const string OptedOut = "opted_out";
    public const string AgentConnected = "agent_connected";
    public const string AgentDisconnected = "agent_disconnected";
    public const string MaxDurationReached = "max_duration_reached";
    public const string CreditsExhausted = "credits_exhausted";
    public const string Hangup = "hangup";

    public static readonly IReadOnlyList<string> All =
        [Queued, Dialing, Ringing, Answered, DisclosurePlayed, DtmfReceived, HandoffRequested, OptedOut, AgentConnected, AgentDisconnected, MaxDurationReached,
            CreditsExhausted, Hangup];
}

/// <summary>One <c>{type, at, data}</c> entry of a call's timeline.</summary>
public sealed record CallTimelineEntry(string Type, DateTimeOffset At, JsonElement? Data);

/// <summary>Appends and reads timeline entries; appends run inside the transaction of the change they record.</summary>
public static class CallTimeline
{
    public static Task AppendAsync(StoreTransaction tx, string callId, string type, DateTimeOffset at, object? data = null) =>
        tx.ExecuteAsync(
            "INSERT INTO call_timeline (call_id, type, at, data) VALUES (@callId, @type, @at, @data)",
            new { callId, type, at, data = data is null ? null : ApplianceJson.Serialize(data) });

    internal sealed class Row
    {
        public string Type { get; init; } = "";

        public DateTimeOffset At { get; init; }

        public string? Data { get; init; }

        public CallTimelineEntry ToEntry() => new(Type, At, Data is null ? null : ApplianceJson.Element(Data));
    }
}
