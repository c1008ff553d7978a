using Cualify.Appliance.Dialer.Sip;
using Cualify.Appliance.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>The trunk checks doctor and /readyz use, and registration, against sipp.</summary>
public sealed class SippTrunkTests
{
    [Fact]
    public async Task The_trunk_probe_reports_a_trunk_that_answers_OPTIONS()
    {
        await using var sipp = SippRun.StartUas("uas_options.xml");

        var result = await SipTrunkProbe.ProbeOnceAsync(TestStacks.Options(sipp.Port), NullLoggerFactory.Instance, TimeSpan.FromSeconds(10), CancellationToken.None);

        await sipp.AssertSucceededAsync();
        Assert.True(result.Reachable, result.Detail);
        Assert.Equal(200, result.Status);
        Assert.Contains("answered OPTIONS with 200 OK", result.Detail);
    }

    [Fact]
    public async Task The_trunk_probe_says_plainly_when_nothing_answers()
    {
        var silent = FreePorts.Udp();

        var result = await SipTrunkProbe.ProbeOnceAsync(TestStacks.Options(silent), NullLoggerFactory.Instance, TimeSpan.FromSeconds(2), CancellationToken.None);

        Assert.False(result.Reachable);
        Assert.Null(result.Status);
        Assert.Contains("did not answer OPTIONS", result.Detail);
        Assert.Contains("Dialer:Sip:Trunk", result.Detail);
    }

    [Fact]
    public async Task Registration_answers_the_challenge_and_keeps_what_the_registrar_granted_without_logging_the_password()
    {
        await using var sipp = SippRun.StartUas("uas_register.xml");
        var logs = new CapturingLoggers();
        await using var stack = await TestStacks.StartAsync(sipp.Port, o =>
        {
            o.Register = true;
            o.Username = "alice";
            o.Password = "s3cret-pass";
        }, logs);

        await sipp.AssertSucceededAsync();
        // The registration sets its state, then logs it: wait for the log line, the last of the two.
        for (var wait = 0; wait < 200 && !logs.Lines.Any(line => line.Contains("registered for", StringComparison.Ordinal)); wait++)
        {
            await Task.Delay(100);
        }

        Assert.Equal("registered for 120 s", stack.Registration!.LastResult);
        Assert.NotNull(stack.Registration.RegisteredUntil);
        Assert.DoesNotContain(logs.Lines, line => line.Contains("s3cret-pass", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, line => line.Contains("registered for 120 s", StringComparison.Ordinal));
    }

    [Fact]
    public void Invalid_settings_are_refused_with_messages_that_name_them()
    {
        var options = new SipOptions { Trunk = "not a host:port", Transport = "sctp", RtpPorts = "20000-10000", Codecs = "G729", LocalAddress = "localhost", Register = true };

        var result = new SipOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        foreach (var setting in new[] { "Dialer:Sip:Trunk", "Dialer:Sip:Transport", "Dialer:Sip:RtpPorts", "Dialer:Sip:Codecs", "Dialer:Sip:LocalAddress", "Dialer:Sip:Password" })
        {
            Assert.Contains(result.Failures!, f => f.StartsWith(setting, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void TLS_settings_that_cannot_work_are_refused_with_messages_that_name_them()
    {
        var options = new SipOptions { Trunk = "sip.example.net", Transport = "tls", TlsCaFile = "/nonexistent/ca.pem", TlsFingerprint = "ab:cd" };

        var result = new SipOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Dialer:Sip:TlsCaFile", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Dialer:Sip:TlsFingerprint", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Failures!, f => f.StartsWith("Dialer:Sip:Transport", StringComparison.Ordinal));
        Assert.Equal(("sip.example.net", 5061), options.TrunkEndpoint);
    }

    /// <summary>Every rendered log line, to check what reaches the logs.</summary>
    private sealed class CapturingLoggers : ILoggerFactory, ILogger
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines)
            {
                _lines.Add(formatter(state, exception) + exception);
            }
        }

        public void Dispose()
        {
        }
    }
}
