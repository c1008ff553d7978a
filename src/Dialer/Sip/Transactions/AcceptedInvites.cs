using System.Net;
using Cualify.Appliance.Dialer.Sip.Messages;
using Cualify.Appliance.Dialer.Sip.Transport;

namespace Cualify.Appliance.Dialer.Sip.Transactions;

/// <summary>What a finished call's Accepted INVITE still needs: the ACK it sends again for a retransmitted 2xx of its dialog.</summary>
internal readonly record struct ReAck(byte[] Ack, IPEndPoint Destination, string RemoteTag, uint Sequence);

/// <summary>
/// Accepted INVITEs of finished calls until timer M would end them (64×T1 after the 2xx, RFC 6026): a retransmitted
/// 2xx of the dialog is ACKed again (RFC 3261 §13.2.2.4), any other response on the branch is absorbed. A whole
/// transaction kept for those 32 s (its lock, three timers and their tickets, its user) was most of what a call left
/// for the garbage collector to promote at thousands of calls a second; an entry here is the ACK's bytes and a table
/// slot. Every entry lives the same 64×T1, so they expire in the order they came, swept on one timer.
/// </summary>
internal sealed class AcceptedInvites
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Queue<(long ExpiresAt, string Key)> _expiry = new();
    private readonly Lock _gate = new();
    private readonly SipTransport _transport;
    private readonly TimeProvider _time;
    private readonly SipRetransmissions _retransmissions;
    private readonly SipTimer _sweep;
    private bool _sweepArmed;

    public AcceptedInvites(SipTransport transport, TimeProvider time, SipTimerQueue timers, SipRetransmissions retransmissions)
    {
        _transport = transport;
        _time = time;
        _retransmissions = retransmissions;
        _sweep = new SipTimer(timers, static table => ((AcceptedInvites)table).Sweep(), this);
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Keeps <paramref name="reAck"/> for the branch <paramref name="key"/> until the timestamp <paramref name="expiresAt"/>.</summary>
    public void Add(string key, ReAck reAck, long expiresAt)
    {
        lock (_gate)
        {
            _entries[key] = new Entry(reAck, expiresAt);
            _expiry.Enqueue((expiresAt, key));
            if (!_sweepArmed)
            {
                ArmLocked(expiresAt);
            }
        }
    }

    /// <summary>True when <paramref name="response"/> belongs to an accepted INVITE kept here (and was ACKed again if it is its 2xx).</summary>
    public bool TryAbsorb(string key, SipResponse response)
    {
        Entry entry;
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out entry) || entry.ExpiresAt <= _time.GetTimestamp())
            {
                return false;
            }
        }

        _retransmissions.ResponseReceived();
        var reAck = entry.ReAck;
        if (response.IsSuccess && response.CSeq.Number == reAck.Sequence && response.To?.Tag == reAck.RemoteTag)
        {
            try
            {
                _transport.Send(reAck.Ack, reAck.Destination);
            }
            catch (SipTransportException)
            {
                // As in the call: a lost ACK is sent again at the next retransmission.
            }
        }

        return true;
    }

    private void Sweep()
    {
        lock (_gate)
        {
            _sweepArmed = false;
            var now = _time.GetTimestamp();
            while (_expiry.TryPeek(out var head) && head.ExpiresAt <= now)
            {
                _expiry.Dequeue();
                if (_entries.TryGetValue(head.Key, out var entry) && entry.ExpiresAt == head.ExpiresAt)
                {
                    _entries.Remove(head.Key);
                }
            }

            if (_expiry.TryPeek(out var next))
            {
                ArmLocked(next.ExpiresAt);
            }
        }
    }

    /// <summary>Lookups check the expiry themselves, so the sweep only frees memory: in batches, not once per entry.</summary>
    private void ArmLocked(long expiresAt)
    {
        _sweepArmed = true;
        var due = _time.GetElapsedTime(_time.GetTimestamp(), expiresAt);
        _sweep.Start(due < SweepBatch ? SweepBatch : due);
    }

    private static readonly TimeSpan SweepBatch = TimeSpan.FromMilliseconds(100);

    private readonly record struct Entry(ReAck ReAck, long ExpiresAt);
}
