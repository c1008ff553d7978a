using System.Security.Cryptography.X509Certificates;
using Cualify.Appliance.Dialer.Sip;
using Cualify.Appliance.Dialer.Telephony;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>
/// The SIP stack over TLS (<c>Dialer:Sip:Transport=tls</c>) against sipp behind a TLS front end made in the test,
/// with a test CA: the trunk's certificate must chain to <c>Dialer:Sip:TlsCaFile</c> and name the trunk, or match
/// <c>Dialer:Sip:TlsFingerprint</c>; otherwise the call ends <c>tls_failed</c> and nothing is sent. sipp's Contact
/// names its own plain TCP port, so the front end is also the outbound proxy: in-dialog requests go through it.
/// </summary>
public sealed class SippTlsTests : IDisposable
{
    private readonly TestCertificates _certificates = new();
    private readonly TempDirectory _folder = new("tls");

    private async Task<TlsTrunk> TrunkAsync(string scenario, string certificateName = "127.0.0.1", bool selfSigned = false)
    {
        var sipp = await SippRun.StartTcpUasAsync(scenario);
        return new TlsTrunk(sipp, new TlsFrontEnd(_certificates.Server(certificateName, selfSigned), sipp.Port));
    }

    /// <summary>sipp over TCP and the TLS front end before it, stopped together.</summary>
    private sealed record TlsTrunk(SippRun Sipp, TlsFrontEnd FrontEnd) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await FrontEnd.DisposeAsync();
            await Sipp.DisposeAsync();
        }
    }

    private Task<SipStack> TlsStackAsync(TlsFrontEnd frontEnd, Action<SipOptions>? configure = null) =>
        TestStacks.StartAsync(frontEnd.Port, o =>
        {
            o.Transport = "tls";
            o.OutboundProxy = $"127.0.0.1:{frontEnd.Port}";
            o.TlsCaFile = _certificates.WriteAuthorityPem(_folder.Path);
            configure?.Invoke(o);
        });

    private static async Task<CallEnd> CallAsync(SipStack stack, TimeSpan? ringTimeout = null)
    {
        var progress = new RecordingProgress();
        await new SipTelephonyProvider(stack).StartAsync(TestStacks.Plan(ringTimeout: ringTimeout), progress, CancellationToken.None);
        return await progress.EndAsync();
    }

    [Fact]
    public async Task An_answered_call_goes_over_TLS_to_a_trunk_whose_certificate_chains_to_the_CA_file_and_names_it()
    {
        await using var trunk = await TrunkAsync("uas_answer_wait_bye.xml");
        var (sipp, frontEnd) = trunk;
        await using var stack = await TlsStackAsync(frontEnd);
        var progress = new RecordingProgress();

        var call = await new SipTelephonyProvider(stack).StartAsync(TestStacks.Plan(), progress, CancellationToken.None);
        await progress.Answered.WaitAsync(TimeSpan.FromSeconds(20));
        await call.HangUpAsync(HangupReason.MaxDurationReached, CancellationToken.None);
        var end = await progress.EndAsync();

        await sipp.AssertSucceededAsync();
        Assert.Equal(new CallEnd(CallOutcome.Completed, "max_duration_reached"), end with { Media = null });
        var invite = Assert.Single(SippTrace.Parse(sipp.Messages()).Received("INVITE"));
        Assert.StartsWith("SIP/2.0/TLS ", SippTrace.Header(invite, "Via"));
        Assert.Contains(";transport=tls>", SippTrace.Header(invite, "Contact"));
        Assert.Equal(1, frontEnd.Handshakes);
    }

    [Fact]
    public async Task A_busy_callee_over_TLS_ends_busy()
    {
        await using var trunk = await TrunkAsync("uas_busy.xml");
        var (sipp, frontEnd) = trunk;
        await using var stack = await TlsStackAsync(frontEnd);

        var end = await CallAsync(stack);

        await sipp.AssertSucceededAsync();
        Assert.Equal(CallOutcome.Busy, end.Outcome);
    }

    [Fact]
    public async Task An_unanswered_call_over_TLS_is_canceled_at_the_ring_timeout()
    {
        await using var trunk = await TrunkAsync("uas_no_answer.xml");
        var (sipp, frontEnd) = trunk;
        await using var stack = await TlsStackAsync(frontEnd);

        var end = await CallAsync(stack, ringTimeout: TimeSpan.FromSeconds(2));

        await sipp.AssertSucceededAsync();
        Assert.Equal(CallOutcome.NoAnswer, end.Outcome);
        Assert.Single(SippTrace.Parse(sipp.Messages()).Received("CANCEL"));
    }

    [Fact]
    public async Task A_digest_challenge_over_TLS_is_answered_with_credentials_sipp_verifies()
    {
        await using var trunk = await TrunkAsync("uas_auth.xml");
        var (sipp, frontEnd) = trunk;
        await using var stack = await TlsStackAsync(frontEnd, o => { o.Username = "alice"; o.Password = "s3cret-pass"; });

        var end = await CallAsync(stack);

        await sipp.AssertSucceededAsync();
        Assert.Equal(new CallEnd(CallOutcome.Completed, "playbook_finished"), end with { Media = null });
    }

    [Fact]
    public async Task A_BYE_from_the_callee_over_TLS_is_answered_and_ends_remote_hangup()
    {
        await using var trunk = await TrunkAsync("uas_remote_bye.xml");
        var (sipp, frontEnd) = trunk;
        await using var stack = await TlsStackAsync(frontEnd, o => o.DigitWait = TimeSpan.FromSeconds(30));

        var end = await CallAsync(stack);

        await sipp.AssertSucceededAsync();
        Assert.Equal(new CallEnd(CallOutcome.Completed, "remote_hangup"), end with { Media = null });
    }

    [Fact]
    public async Task A_certificate_for_another_name_is_refused_the_call_ends_tls_failed_and_nothing_is_sent()
    {
        await using var trunk = await TrunkAsync("uas_busy.xml", certificateName: "other.example");
        var (sipp, frontEnd) = trunk;
        await using var stack = await TlsStackAsync(frontEnd);

        var end = await CallAsync(stack);

        Assert.Equal(CallOutcome.Failed, end.Outcome);
        Assert.Equal("tls_failed", end.EndReason);
        // Under TLS 1.3 the server finishes its side before the client checks the certificate: count bytes, not handshakes.
        Assert.Equal(0, frontEnd.BytesFromClient);
        Assert.Empty(SippTrace.Parse(sipp.Messages()).AllReceived);
        Assert.True(stack.Transport.Streams!.Counters.TlsFailures >= 1);
    }

    [Fact]
    public async Task Without_a_CA_file_a_certificate_the_system_store_does_not_trust_is_refused()
    {
        await using var trunk = await TrunkAsync("uas_busy.xml");
        var (sipp, frontEnd) = trunk;
        await using var stack = await TlsStackAsync(frontEnd, o => o.TlsCaFile = null);

        var end = await CallAsync(stack);

        Assert.Equal("tls_failed", end.EndReason);
        Assert.Equal(0, frontEnd.BytesFromClient);
    }

    [Fact]
    public async Task A_pinned_fingerprint_accepts_exactly_that_self_signed_certificate_and_refuses_another()
    {
        await using var trunk = await TrunkAsync("uas_busy.xml", certificateName: "pbx.internal", selfSigned: true);
        var (sipp, frontEnd) = trunk;
        var pin = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(FrontEndCertificate(frontEnd)));

        await using (var pinned = await TlsStackAsync(frontEnd, o => { o.TlsCaFile = null; o.TlsFingerprint = pin; }))
        {
            Assert.Equal(CallOutcome.Busy, (await CallAsync(pinned)).Outcome);
        }

        var otherPin = string.Join(':', Enumerable.Repeat("ab", 32));
        await using var wrong = await TlsStackAsync(frontEnd, o => { o.TlsCaFile = null; o.TlsFingerprint = otherPin; });
        Assert.Equal("tls_failed", (await CallAsync(wrong)).EndReason);
        await sipp.AssertSucceededAsync();
    }

    private static byte[] FrontEndCertificate(TlsFrontEnd frontEnd) => frontEnd.Certificate.RawData;

    [Fact]
    public async Task With_a_certificate_of_its_own_a_TLS_connection_the_trunk_opens_is_accepted_and_its_request_answered_on_it()
    {
        var certificate = _certificates.Server("127.0.0.1");
        var certificateFile = Path.Combine(_folder.Path, "sip.crt");
        var keyFile = Path.Combine(_folder.Path, "sip.key");
        await File.WriteAllTextAsync(certificateFile, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyFile, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        await using var stack = await TestStacks.StartAsync(FreePorts.Tcp(), o =>
        {
            o.Transport = "tls";
            o.LocalPort = FreePorts.Tcp();
            o.TlsCaFile = _certificates.WriteAuthorityPem(_folder.Path);
            o.TlsCertificateFile = certificateFile;
            o.TlsKeyFile = keyFile;
        });
        var listening = stack.Transport.Streams!.ListeningOn!;

        // Something that does not speak TLS is dropped at the handshake; the listener goes on.
        using (var plain = new System.Net.Sockets.TcpClient())
        {
            await plain.ConnectAsync(listening);
            await plain.GetStream().WriteAsync("OPTIONS sip:cualify@127.0.0.1 SIP/2.0\r\n\r\n"u8.ToArray());
            using var closed = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            Assert.Equal(0, await plain.GetStream().ReadAsync(new byte[512], closed.Token));
        }

        using var peer = new System.Net.Sockets.TcpClient();
        await peer.ConnectAsync(listening);
        await using var tls = new System.Net.Security.SslStream(peer.GetStream(), false,
            (_, presented, _, _) => presented is not null && presented.GetCertHashString() == certificate.GetCertHashString());
        await tls.AuthenticateAsClientAsync("127.0.0.1");
        var local = (System.Net.IPEndPoint)peer.Client.LocalEndPoint!;
        await tls.WriteAsync(StreamPeer.Options("TLS", "sips", listening.Port, local.Port, "z9hG4bKtls1", "tls-options-1"));
        var text = await StreamPeer.ReadHeadAsync(tls);

        Assert.StartsWith("SIP/2.0 200 OK", text);
        Assert.Contains("branch=z9hG4bKtls1", text);
        Assert.Equal(1, stack.Transport.Streams.Counters.Accepted);
    }

    [Fact]
    public void A_certificate_without_its_key_file_or_one_that_cannot_be_read_is_refused_at_start()
    {
        var half = new SipOptions { Trunk = "127.0.0.1:5061", Transport = "tls", TlsCertificateFile = "/etc/hostname" };
        Assert.Contains(new SipOptionsValidator().Validate(null, half).Failures!, f => f.Contains("go together", StringComparison.Ordinal));

        var unreadable = new SipOptions { Trunk = "127.0.0.1:5061", Transport = "tls", TlsCertificateFile = "/etc/hostname", TlsKeyFile = "/etc/hostname" };
        Assert.Contains(new SipOptionsValidator().Validate(null, unreadable).Failures!, f => f.StartsWith("Dialer:Sip:TlsCertificateFile: cannot be read", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        _certificates.Dispose();
        _folder.Dispose();
    }
}
