using Cualify.Appliance.Core.Playbooks.Audio;
using Cualify.Appliance.Dialer.Sip;
using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>Real SIP stacks on loopback pointed at a sipp, and call plans for them.</summary>
public static class TestStacks
{
    public static SipOptions Options(int trunkPort, Action<SipOptions>? configure = null)
    {
        var options = new SipOptions
        {
            Trunk = $"127.0.0.1:{trunkPort}",
            LocalAddress = "127.0.0.1",
            LocalPort = 0,
            RtpPorts = "20000-27999", // below the ephemeral range the OS hands out for port 0
            FromUser = "cualify",
            FromDomain = "cualify.test",
            DigitWait = TimeSpan.FromSeconds(1),
        };
        configure?.Invoke(options);
        var validation = new SipOptionsValidator().Validate(null, options);
        Assert.True(validation.Succeeded, validation.FailureMessage);
        return options;
    }

    public static Task<SipStack> StartAsync(int trunkPort, Action<SipOptions>? configure = null, ILoggerFactory? loggers = null) =>
        SipStack.StartAsync(Options(trunkPort, configure), TimeProvider.System, loggers ?? NullLoggerFactory.Instance);

    public static CallPlan Plan(string? audioPath = null, TimeSpan? ringTimeout = null, string to = "+919812345678") => new(
        CallId: "call_test",
        OrgId: "org_test",
        ToE164: to,
        FromE164: "+918000000001",
        Language: "en",
        Playbook: new PlaybookPlan(
            Id: "pb_test", Name: "Test", Language: "en", DisclosureText: "This call is recorded.", MessageText: "Hello",
            AudioPath: audioPath,
            Dtmf: new Dictionary<string, string> { ["1"] = "handoff", ["9"] = "opt_out" },
            HandoffTarget: "+918000000099",
            Voicemail: "hangup",
            Heard: audioPath is null ? [] : [new PromptAudio(audioPath, Path.ChangeExtension(audioPath, ".alaw"))]),
        EffectiveMaxDuration: TimeSpan.FromMinutes(5),
        RingTimeout: ringTimeout ?? TimeSpan.FromSeconds(30));

    /// <summary>
    /// A raw 8 kHz µ-law prompt of <paramref name="seconds"/> with a recognisable ramp pattern, and beside it
    /// (<c>prompt.alaw</c>) the same audio in A-law, as an upload leaves them; returns the µ-law path.
    /// </summary>
    public static string WritePrompt(string folder, double seconds)
    {
        var bytes = new byte[(int)(8000 * seconds)];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i % 251);
        }

        var path = Path.Combine(folder, "prompt.ulaw");
        File.WriteAllBytes(path, bytes);
        File.WriteAllBytes(Path.ChangeExtension(path, ".alaw"), bytes.Select(b => G711.LinearToAlaw(G711.UlawToLinear(b))).ToArray());
        return path;
    }
}
