using System.Text.Json.Nodes;

namespace Cualify.Appliance.Core.Calls;

/// <summary>
/// A request to place a call (<c>POST /calls</c>, or a sequence's voice step). <see cref="ToE164"/> may be left
/// out when <see cref="ContactId"/> names a contact with a number.
/// </summary>
public sealed record CallRequest(
    string? AgentId,
    string? ToE164,
    string? FromE164 = null,
    string? Language = null,
    int? MaxDurationSec = null,
    string? ContactId = null,
    JsonObject? Metadata = null,
    DateTimeOffset? NotBefore = null);
