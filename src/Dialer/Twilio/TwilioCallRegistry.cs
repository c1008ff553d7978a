using System.Collections.Concurrent;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>The Twilio calls live in this process, found by the appliance's call id or by their audio token.</summary>
public sealed class TwilioCallRegistry
{
    private readonly ConcurrentDictionary<string, TwilioCall> _byCallId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TwilioCall> _byAudioToken = new(StringComparer.Ordinal);

    public IReadOnlyCollection<TwilioCall> Calls => [.. _byCallId.Values];

    public int Count => _byCallId.Count;

    public void Add(TwilioCall call)
    {
        _byCallId[call.CallId] = call;
        if (call.AudioToken is { } token)
        {
            _byAudioToken[token] = call;
        }
    }

    public void Remove(TwilioCall call)
    {
        _byCallId.TryRemove(new KeyValuePair<string, TwilioCall>(call.CallId, call));
        if (call.AudioToken is { } token)
        {
            _byAudioToken.TryRemove(new KeyValuePair<string, TwilioCall>(token, call));
        }
    }

    public TwilioCall? Find(string callId) => _byCallId.GetValueOrDefault(callId);

    public TwilioCall? FindByAudioToken(string token) => _byAudioToken.GetValueOrDefault(token);
}
