using Cualify.Appliance.Dialer.Sip.Media.Srtp;
using Cualify.Appliance.Dialer.Sip.Sdp;

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

    /// <summary>Packets of the callee's dropped by SRTP: tag failures and replays (tests read it).</summary>
    public long SrtpDropped => _srtpReceiver is null ? 0 : _srtpReceiver.AuthenticationFailures + _srtpReceiver.Replays;

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
        _rtp!.Protection = _srtpSender;
        _rtp.Verification = _srtpReceiver;
        return true;
    }

    private void ReleaseSrtp()
    {
        _srtpSender?.Dispose();
        _srtpReceiver?.Dispose();
    }
}
