using Cualify.Appliance.Core.Calls;

namespace Cualify.Appliance.OperatorConsole.Live;

/// <summary>
/// The colours of the Live page, VICIdial-style: a call ringing long, or talking close to its maximum, turns amber
/// then red; a cap nearly used turns its tile amber, a cap reached red.
/// </summary>
public static class LiveThresholds
{
    public static readonly TimeSpan RingingWarn = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan RingingAlert = TimeSpan.FromSeconds(25);
    public const double ElapsedWarnShare = 0.8;
    public const double ElapsedAlertShare = 0.95;

    public static string RowClass(LiveCall call, TimeSpan inState, TimeSpan elapsed)
    {
        if (call.Status == CallStatus.InProgress && call.MaxDurationSec is int max && max > 0)
        {
            var share = elapsed.TotalSeconds / max;
            return share >= ElapsedAlertShare ? "alert" : share >= ElapsedWarnShare ? "warn" : "ok";
        }

        if (call.Status is CallStatus.Ringing or CallStatus.Dialing)
        {
            return inState >= RingingAlert ? "alert" : inState >= RingingWarn ? "warn" : "ok";
        }

        return "ok";
    }

    public static string CapClass(double used, double cap) =>
        cap <= 0 ? "" : used >= cap ? "alert" : used >= cap * 0.8 ? "warn" : "";

    public static string StateLabel(string status) => status switch
    {
        CallStatus.InProgress => "talking",
        _ => status,
    };
}
