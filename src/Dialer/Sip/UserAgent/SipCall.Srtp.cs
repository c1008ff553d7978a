using Cualify.Appliance.Dialer.Sip.Media.Srtp;
using Cualify.Appliance.Dialer.Sip.Sdp;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Sip.UserAgent;

/// <summary>
/// SRTP for the call (<c>Dialer:Sip:Srtp</c>): fresh SDES keys in the offer, and once the answer agrees one of them,
/// our RTP and RTCP protected with our key and the callee's verified and decrypted with its key, so the recording
/// and the agent bridge only ever see plain audio.
/// </summary>
public sealed partial class SipCall
{
    private IReadOnlyList<SdesCrypto>? _offeredCrypto;
    private SrtpSender? _srtpSender;
    private SrtpReceiver? _srtpReceiver;
    private SdesCrypto? _senderKey;
    private SdesCrypto? _receiverKey;
    private readonly List<IDisposable> _retiredSrtp = [];

    /// <summary>The callee's packets SRTP dropped over the call, under every key it used: tag failures and replays.</summary>
    private (long AuthenticationFailures, long Replays)? SrtpDrops()
    {
        if (_srtpReceiver is null && _retiredSrtp.Count == 0)
        {
            return null;
        }

        var receivers = _retiredSrtp.OfType<SrtpReceiver>().Append(_srtpReceiver).OfType<SrtpReceiver>().ToList();
        return (receivers.Sum(r => r.AuthenticationFailures), receivers.Sum(r => r.Replays));
    }

    /// <summary>The SDES lines to offer: one key per suite, or none with SRTP off.</summary>
    private IReadOnlyList<SdesCrypto>? NewCryptoOffer() => _ua.Options.SrtpMode == SrtpMode.Off
        ? null
        : SrtpSuite.All.Select((suite, i) => SdesCrypto.Generate(i + 1, suite)).ToList();

    /// <summary>Keys the call's media from the answer; false when SRTP is required and the callee agreed none.</summary>
    private bool StartSrtp(NegotiatedMedia media)
    {
        if (media.LocalCrypto is not { } ours || media.RemoteCrypto is not { } theirs)
        {
            return _ua.Options.SrtpMode != SrtpMode.Required;
        }

        _srtpSender = new SrtpSender(ours.Suite, ours.MasterKey, ours.MasterSalt);
        _srtpReceiver = new SrtpReceiver(theirs.Suite, theirs.MasterKey, theirs.MasterSalt);
        (_senderKey, _receiverKey) = (ours, theirs);
        _rtp!.Protection = _srtpSender;
        _rtp.Verification = _srtpReceiver;
        return true;
    }

    /// <summary>
    /// A re-offer while SRTP runs (RFC 4568 §7.1.4): a new key or suite from the peer starts a new context for its
    /// packets, and a new suite one for ours (our key stays). The contexts replaced stay alive until the call is
    /// released, since the media threads may be using them. False when the re-offer drops SRTP and it is required.
    /// </summary>
    private bool RekeySrtp(NegotiatedMedia media)
    {
        if (media.LocalCrypto is not { } ours || media.RemoteCrypto is not { } theirs)
        {
            if (_srtpReceiver is null)
            {
                return true;
            }

            if (_ua.Options.SrtpMode == SrtpMode.Required)
            {
                return false;
            }

            SetSrtp(null, null);
            return true;
        }

        if (_receiverKey is not { } current || !current.SameKeyAs(theirs))
        {
            Retire(_srtpReceiver);
            _srtpReceiver = new SrtpReceiver(theirs.Suite, theirs.MasterKey, theirs.MasterSalt);
            _receiverKey = theirs;
            _logger.LogInformation("Call {CallId}: the callee re-keyed its SRTP ({Suite})", _plan.CallId, theirs.Suite.Name);
        }

        if (_senderKey is not { } sending || sending.Suite != ours.Suite)
        {
            Retire(_srtpSender);
            _srtpSender = new SrtpSender(ours.Suite, ours.MasterKey, ours.MasterSalt);
            _senderKey = ours;
        }

        SetSrtp(_srtpSender, _srtpReceiver);
        return true;
    }

    private void Retire(IDisposable? context)
    {
        if (context is not null)
        {
            _retiredSrtp.Add(context);
        }
    }

    private void SetSrtp(SrtpSender? sender, SrtpReceiver? receiver)
    {
        _rtp!.Protection = sender;
        _rtp.Verification = receiver;
        if (_rtcp is not null)
        {
            _rtcp.Protection = sender;
            _rtcp.Verification = receiver;
        }
    }

    private void ReleaseSrtp()
    {
        _srtpSender?.Dispose();
        _srtpReceiver?.Dispose();
        _retiredSrtp.ForEach(context => context.Dispose());
    }
}
