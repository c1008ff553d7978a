using System.Text.RegularExpressions;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>Reads sipp's <c>-trace_msg</c> file: which messages it received and sent, in order.</summary>
public sealed partial class SippTrace
{
    private readonly List<(bool Received, string Message)> _messages;

    private SippTrace(List<(bool, string)> messages) => _messages = messages;

    public static SippTrace Parse(string log)
    {
        var messages = new List<(bool, string)>();
        foreach (var block in Separator().Split(log).Where(b => b.Trim().Length > 0))
        {
            var header = block.TrimStart().Split('\n', 2);
            if (header.Length < 2)
            {
                continue;
            }

            var received = header[0].Contains("received", StringComparison.OrdinalIgnoreCase);
            var sent = header[0].Contains("sent", StringComparison.OrdinalIgnoreCase);
            if (received || sent)
            {
                messages.Add((received, header[1].Trim()));
            }
        }

        return new SippTrace(messages);
    }

    /// <summary>Requests sipp received with <paramref name="method"/>, in arrival order.</summary>
    public IReadOnlyList<string> Received(string method) =>
        _messages.Where(m => m.Received && m.Message.StartsWith(method + " ", StringComparison.Ordinal)).Select(m => m.Message).ToList();

    public IReadOnlyList<string> AllReceived => _messages.Where(m => m.Received).Select(m => m.Message).ToList();

    public static string Header(string message, string name) =>
        message.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))[(name.Length + 1)..].Trim();

    public static string Branch(string message) => BranchParameter().Match(Header(message, "Via")).Groups[1].Value;

    [GeneratedRegex(@"^-{5,}.*$", RegexOptions.Multiline)]
    private static partial Regex Separator();

    [GeneratedRegex(@"branch=([^;\s]+)")]
    private static partial Regex BranchParameter();
}
