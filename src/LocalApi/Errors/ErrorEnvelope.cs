namespace Cualify.Appliance.LocalApi.Errors;

/// <summary>The body of every non-2xx response: <c>{"error":{"code","message","param","details"}}</c>.</summary>
public sealed record ErrorEnvelope(ErrorBody Error);

public sealed record ErrorBody(string Code, string Message, string? Param, IReadOnlyDictionary<string, object?>? Details);
