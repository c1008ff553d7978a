namespace Cualify.Appliance.Dialer.Simulator;

/// <summary>What the simulated callee does, chosen by the last two digits of the number dialed.</summary>
public enum SimulatorScenario
{
    /// <summary>Any other ending: rings 4 s, answers, listens, hangs up 30 s after answering.</summary>
    Answers,

    /// <summary><c>…81</c>: rings 2 s, then busy (SIP 486).</summary>
    Busy,

    /// <summary><c>…82</c>: rings until the ring timeout, never answers.</summary>
    NoAnswer,

    /// <summary><c>…83</c>: fails at once as an invalid number (SIP 404), without ringing.</summary>
    InvalidNumber,

    /// <summary><c>…84</c>: rejected by the network (SIP 603), without ringing.</summary>
    Rejected,

    /// <summary><c>…85</c>: the trunk fails (SIP 503), retryable, without ringing.</summary>
    TrunkError,

    /// <summary><c>…86</c>: answers, presses 1 five seconds later (handoff), stays on up to 30 s for the transfer.</summary>
    PressesOne,

    /// <summary><c>…87</c>: answers, presses 9 five seconds later (opt-out), then waits to be hung up.</summary>
    PressesNine,

    /// <summary><c>…88</c>: answers and never hangs up: the call lasts until the dialer ends it.</summary>
    LongCall,

    /// <summary><c>…89</c>: a voicemail box answers; the playbook's <c>voicemail</c> setting decides what follows.</summary>
    Voicemail,
}

/// <summary>
/// The simulator's number plan, by the last two digits of the E.164 number:
/// <code>
/// suffix  scenario         what happens (times from the moment the call is placed)
/// …81     busy             ringing at 1 s, busy at 3 s                          → busy, end_reason busy
/// …82     no answer        ringing at 1 s, gives up at the ring timeout          → no_answer
/// …83     invalid number   fails at 1 s without ringing                          → failed, end_reason invalid_number
/// …84     rejected         fails at 1 s without ringing                          → failed, end_reason rejected
/// …85     trunk error      fails at 1 s without ringing, retryable               → failed, end_reason trunk_error
/// …86     presses 1        answers at 5 s, presses 1 at 10 s (+ disclosure time)  → completed, outcome handoff
/// …87     presses 9        answers at 5 s, presses 9 at 10 s (+ disclosure time)  → completed, outcome opted_out; contact opted out
/// …88     long call        answers at 5 s, never hangs up                        → completed at the effective maximum
/// …89     voicemail        a machine answers at 5 s                              → completed, outcome voicemail
/// other   answers          answers at 5 s, hangs up 30 s later                   → completed, end_reason remote_hangup
/// </code>
/// A disclosure text is "played" at about 14 characters a second (1–30 s) right after the answer and reported as
/// <c>disclosure_played</c>.
/// </summary>
public static class SimulatorNumberPlan
{
    public static SimulatorScenario ScenarioOf(string e164) => e164.Length < 2 ? SimulatorScenario.Answers : e164[^2..] switch
    {
        "81" => SimulatorScenario.Busy,
        "82" => SimulatorScenario.NoAnswer,
        "83" => SimulatorScenario.InvalidNumber,
        "84" => SimulatorScenario.Rejected,
        "85" => SimulatorScenario.TrunkError,
        "86" => SimulatorScenario.PressesOne,
        "87" => SimulatorScenario.PressesNine,
        "88" => SimulatorScenario.LongCall,
        "89" => SimulatorScenario.Voicemail,
        _ => SimulatorScenario.Answers,
    };

    public static readonly TimeSpan SetupTime = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan RingTime = TimeSpan.FromSeconds(4);
    public static readonly TimeSpan BusyAfter = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan ListenTime = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan KeypressAfter = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan WaitForTransfer = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan TransferTime = TimeSpan.FromSeconds(1);
    public const double CharactersPerSecond = 14;

    /// <summary>How long the simulator takes to "say" <paramref name="text"/>.</summary>
    public static TimeSpan SpeechTime(string? text) =>
        string.IsNullOrWhiteSpace(text) ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Clamp(text.Length / CharactersPerSecond, 1, 30));
}
