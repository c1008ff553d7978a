using System.Text;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>A trunk's side of a TCP or TLS connection it opened to the stack: an OPTIONS to send, and the response head read back.</summary>
public static class StreamPeer
{
    public static byte[] Options(string transport, string scheme, int ourPort, int peerPort, string branch, string callId) => Encoding.ASCII.GetBytes(
        $"OPTIONS {scheme}:cualify@127.0.0.1:{ourPort}{(scheme == "sip" ? ";transport=" + transport.ToLowerInvariant() : "")} SIP/2.0\r\n" +
        $"Via: SIP/2.0/{transport} 127.0.0.1:{peerPort};branch={branch}\r\nMax-Forwards: 70\r\n" +
        $"From: <{scheme}:trunk@127.0.0.1>;tag=t1\r\nTo: <{scheme}:cualify@127.0.0.1>\r\nCall-ID: {callId}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");

    /// <summary>Reads until the end of a response's head (fails on a closed connection or after 10 s).</summary>
    public static async Task<string> ReadHeadAsync(Stream stream)
    {
        var buffer = new byte[4096];
        var text = "";
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!text.Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, limit.Token);
            Assert.NotEqual(0, read);
            text += Encoding.ASCII.GetString(buffer, 0, read);
        }

        return text;
    }
}
