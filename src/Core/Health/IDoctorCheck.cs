namespace Cualify.Appliance.Core.Health;

public enum DoctorStatus
{
    Ok,
    Warn,
    Fail,
}

/// <summary>What one <c>doctor</c> check found: a verdict, what it saw, and (unless ok) what to do, in plain words.</summary>
public sealed record DoctorResult(DoctorStatus Status, string Detail, string? Fix = null)
{
    public static DoctorResult Ok(string detail) => new(DoctorStatus.Ok, detail);

    /// <summary>Works, but an admin should act (the appliance still starts).</summary>
    public static DoctorResult Warn(string detail, string fix) => new(DoctorStatus.Warn, detail, fix);

    /// <summary>Broken: the appliance, or the feature this check covers, will not work until fixed.</summary>
    public static DoctorResult Fail(string detail, string fix) => new(DoctorStatus.Fail, detail, fix);
}

/// <summary>
/// One check that <c>cualify-appliance doctor</c> runs (store integrity, SMTP login, trunk OPTIONS, Twilio
/// credentials…). Register it with <see cref="HealthServiceCollectionExtensions.AddDoctorCheck{T}"/> from the feature's own
/// <c>AddXxx()</c>; doctor runs every registered check in registration order, one line each, and exits
/// non-zero when any of them fails.
/// </summary>
/// <remarks>
/// A check must not change anything (no migrations, no sends, no calls): doctor may run beside the live
/// service. It reads its options inside <see cref="RunAsync"/>, not in its constructor, so an invalid setting
/// shows up as that check's failure instead of hiding the others. Throwing is reported as a failure of the check;
/// a check that takes longer than <see cref="Timeout"/> is reported as not answering.
/// </remarks>
public interface IDoctorCheck
{
    /// <summary>Short lower-case name shown at the start of the line, e.g. <c>smtp</c>, <c>sip-trunk</c>.</summary>
    string Name { get; }

    /// <summary>How long the check may take (20 s unless it says otherwise).</summary>
    TimeSpan Timeout => TimeSpan.FromSeconds(20);

    Task<DoctorResult> RunAsync(CancellationToken cancellationToken);
}
