namespace Cualify.Appliance.Core.Store;

/// <summary>Resource ids: UUIDv7 strings (time-ordered), and prefixed forms for events, templates and enrollments.</summary>
public static class Ids
{
    public static string New(TimeProvider time) => Guid.CreateVersion7(time.GetUtcNow()).ToString();

    public static string New(DateTimeOffset at) => Guid.CreateVersion7(at).ToString();

    /// <summary>A prefixed id such as <c>evt_0193…</c>: the prefix plus a UUIDv7 without dashes.</summary>
    public static string Prefixed(string prefix, DateTimeOffset at) => $"{prefix}_{Guid.CreateVersion7(at):N}";

    public static bool IsUuid(string? value) => Guid.TryParseExact(value, "D", out _);
}
