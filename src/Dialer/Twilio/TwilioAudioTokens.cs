using System.Security.Cryptography;
using System.Text;
using Cualify.Appliance.Core.Secrets;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>
/// The token in a call's prompt audio URL (Twilio fetches it without signing): the call id, the prompt's audio id
/// and an HMAC-SHA-256 over both under a key derived from the install's secret key. Unguessable like a random
/// token, and checkable by any node of the store, so whichever node the load balancer picks can serve the prompt
/// while the call is live.
/// </summary>
public sealed class TwilioAudioTokens(SecretProtector secrets)
{
    private readonly Lazy<byte[]> _key = new(() => secrets.DeriveKey("twilio-prompt-audio"));

    public string Issue(string callId, string audioId) => $"{callId}.{audioId}.{Mac(callId, audioId)}";

    /// <summary>The call and audio a token names, when this install issued it.</summary>
    public bool TryRead(string token, out string callId, out string audioId)
    {
        var parts = token.Split('.');
        (callId, audioId) = parts.Length == 3 ? (parts[0], parts[1]) : ("", "");
        return parts.Length == 3
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(parts[2]), Encoding.ASCII.GetBytes(Mac(callId, audioId)));
    }

    private string Mac(string callId, string audioId) =>
        Convert.ToBase64String(HMACSHA256.HashData(_key.Value, Encoding.UTF8.GetBytes($"{callId}\n{audioId}"))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
