namespace Cualify.Appliance.Dialer.Telephony;

/// <summary>
/// The seam every way of placing a call implements (<c>simulator</c>, <c>sip</c>, <c>twilio</c>). A provider only
/// dials, plays, listens and hangs up; the rules (max duration, credits, opt-out, the state machine, billing)
/// sit above it in the dialer, so every provider gets them.
/// </summary>
public interface ITelephonyProvider
{
    /// <summary>The <c>provider</c> value calls carry: <c>simulator</c>, <c>sip</c> or <c>twilio</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Starts dialing <paramref name="plan"/>. Returns once the attempt is under way (or has already ended, in
    /// which case <paramref name="progress"/> has received <see cref="ICallProgress.EndedAsync"/>). Everything
    /// that happens afterwards is reported through <paramref name="progress"/>, ending with exactly one
    /// <see cref="ICallProgress.EndedAsync"/>.
    /// </summary>
    Task<IProviderCall> StartAsync(CallPlan plan, ICallProgress progress, CancellationToken cancellationToken);
}

/// <summary>Control of one live attempt.</summary>
public interface IProviderCall
{
    /// <summary>The provider's id for the call (SIP Call-ID, Twilio CallSid, simulator id).</summary>
    string ProviderCallId { get; }

    /// <summary>
    /// Ends the call for <paramref name="reason"/>: cancels it while it is still ringing, hangs it up once
    /// answered. Idempotent; the provider still reports the end through <see cref="ICallProgress.EndedAsync"/>.
    /// </summary>
    Task HangUpAsync(HangupReason reason, CancellationToken cancellationToken);

    /// <summary>Transfers an answered call to <paramref name="target"/> (SIP REFER, Twilio &lt;Dial&gt;).</summary>
    Task TransferAsync(string target, CancellationToken cancellationToken);
}

/// <summary>What a provider reports while a call runs. Implementations are thread-safe.</summary>
public interface ICallProgress
{
    ValueTask RingingAsync(CancellationToken cancellationToken = default);

    ValueTask AnsweredAsync(CancellationToken cancellationToken = default);

    /// <summary>A timeline entry such as <c>disclosure_played</c>.</summary>
    ValueTask TimelineAsync(string type, IReadOnlyDictionary<string, object?>? data = null, CancellationToken cancellationToken = default);

    ValueTask DtmfAsync(char digit, CancellationToken cancellationToken = default);

    /// <summary>The call is over. Reported exactly once per attempt.</summary>
    ValueTask EndedAsync(CallEnd end, CancellationToken cancellationToken = default);
}
