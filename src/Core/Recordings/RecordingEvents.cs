namespace Cualify.Appliance.Core.Recordings;

public static class RecordingEvents
{
    /// <summary>A call's recording is complete: <c>{call_id, recording_url, duration_sec}</c>.</summary>
    public const string Ready = "call.recording_ready";
}

/// <summary>The data of <see cref="RecordingEvents.Ready"/>.</summary>
public sealed record RecordingReady(string CallId, string RecordingUrl, long DurationSec);

/// <summary>A finished recording: its file relative to the data folder of node <see cref="NodeId"/>.</summary>
public sealed class StoredRecording
{
    public string CallId { get; init; } = "";

    public string OrgId { get; init; } = "";

    public string? ContactId { get; init; }

    public string File { get; init; } = "";

    public long Bytes { get; init; }

    public long DurationSec { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The node that wrote or downloaded the file; null for a recording registered before nodes were recorded.</summary>
    public string? NodeId { get; init; }
}
