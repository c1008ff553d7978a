using System.Text;
using System.Xml;
using Cualify.Appliance.Dialer.Telephony;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>Where the rendered TwiML points back at the appliance; all null without <c>Api:PublicBaseUrl</c>.</summary>
/// <param name="GatherAction">The <c>&lt;Gather action&gt;</c> URL that receives the pressed digit (or none).</param>
/// <param name="AudioUrl">The unguessable URL the uploaded prompt is served at as WAV.</param>
public sealed record TwimlLinks(string? GatherAction, string? AudioUrl)
{
    public static readonly TwimlLinks None = new(null, null);
}

/// <summary>
/// Renders a playbook as TwiML, well-formed by construction (XmlWriter escapes every text and attribute):
/// the disclosure as <c>&lt;Say&gt;</c> (not interruptible), then the message — the uploaded audio as
/// <c>&lt;Play&gt;</c>, else the message text as <c>&lt;Say&gt;</c> — inside a one-digit <c>&lt;Gather&gt;</c> whose
/// action also hears about a silent end (<c>actionOnEmptyResult</c>), so the appliance knows the playbook finished.
/// Without a public URL there is no Gather and no Play: the text is spoken and the call hangs up.
/// </summary>
public static class TwimlRenderer
{
    /// <summary>The most TwiML Twilio takes in the <c>Twiml</c> parameter of a call.</summary>
    public const int MaxInlineLength = 4_000;

    /// <summary>Seconds the Gather waits for a key once the message has played.</summary>
    public const int GatherTimeoutSeconds = 5;

    /// <summary>Longest text put in one <c>&lt;Say&gt;</c>; longer texts are split at sentence or word ends.</summary>
    public const int MaxSayLength = 3_000;

    private const string Ellipsis = "…";

    public static string Playbook(CallPlan plan, TwimlLinks links, bool includeDisclosure = true, string? messageText = null) => Document(xml =>
    {
        var playbook = plan.Playbook;
        var language = SayLanguage(plan);
        if (includeDisclosure && !string.IsNullOrWhiteSpace(playbook.DisclosureText))
        {
            Say(xml, playbook.DisclosureText, language);
        }

        var message = messageText ?? playbook.MessageText;
        var audio = links.AudioUrl;
        if (links.GatherAction is { } action)
        {
            xml.WriteStartElement("Gather");
            xml.WriteAttributeString("input", "dtmf");
            xml.WriteAttributeString("numDigits", "1");
            xml.WriteAttributeString("timeout", GatherTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            xml.WriteAttributeString("action", action);
            xml.WriteAttributeString("method", "POST");
            xml.WriteAttributeString("actionOnEmptyResult", "true");
            Message(xml, audio, message, language);
            xml.WriteEndElement();
        }
        else
        {
            Message(xml, audio, message, language);
        }

        xml.WriteElementString("Hangup", null);
    });

    /// <summary>
    /// The playbook as inline TwiML within <see cref="MaxInlineLength"/>: the message text is shortened at a word end
    /// (marked with …) when the whole would not fit. Returns whether it was shortened.
    /// </summary>
    public static (string Twiml, bool Shortened) FitInline(CallPlan plan, TwimlLinks links)
    {
        var full = Playbook(plan, links);
        var message = plan.Playbook.MessageText;
        if (full.Length <= MaxInlineLength || string.IsNullOrEmpty(message) || links.AudioUrl is not null)
        {
            return (full, false);
        }

        int low = 0, high = message.Length;
        var best = Playbook(plan, links, messageText: "");
        while (low <= high)
        {
            var middle = (low + high) / 2;
            var candidate = Playbook(plan, links, messageText: Shorten(message, middle));
            if (candidate.Length <= MaxInlineLength)
            {
                best = candidate;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return (best, true);
    }

    /// <summary>Connects the callee to <paramref name="target"/>: a number with our caller id, or a <c>sip:</c> URI.</summary>
    public static string Transfer(string target, string callerId) => Document(xml =>
    {
        xml.WriteStartElement("Dial");
        if (target.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) || target.StartsWith("sips:", StringComparison.OrdinalIgnoreCase))
        {
            xml.WriteElementString("Sip", target);
        }
        else
        {
            if (!string.IsNullOrEmpty(callerId))
            {
                xml.WriteAttributeString("callerId", callerId);
            }

            xml.WriteElementString("Number", target);
        }

        xml.WriteEndElement();
    });

    public static string Hangup() => Document(xml => xml.WriteElementString("Hangup", null));

    /// <summary>The language <c>&lt;Say&gt;</c> speaks in: the call's, else the playbook's (BCP 47, e.g. <c>hi-IN</c>).</summary>
    public static string SayLanguage(CallPlan plan) =>
        string.IsNullOrWhiteSpace(plan.Language) ? plan.Playbook.Language : plan.Language;

    private static void Message(XmlWriter xml, string? audioUrl, string? text, string language)
    {
        if (audioUrl is not null)
        {
            xml.WriteElementString("Play", audioUrl);
        }
        else if (!string.IsNullOrWhiteSpace(text))
        {
            Say(xml, text, language);
        }
    }

    private static void Say(XmlWriter xml, string text, string language)
    {
        foreach (var part in SplitForSay(text.Trim()))
        {
            xml.WriteStartElement("Say");
            if (!string.IsNullOrWhiteSpace(language))
            {
                xml.WriteAttributeString("language", language);
            }

            xml.WriteString(part);
            xml.WriteEndElement();
        }
    }

    private static IEnumerable<string> SplitForSay(string text)
    {
        while (text.Length > MaxSayLength)
        {
            var cut = text.LastIndexOfAny(['.', '!', '?', '।'], MaxSayLength - 1);
            if (cut < MaxSayLength / 2)
            {
                cut = text.LastIndexOf(' ', MaxSayLength - 1);
            }

            cut = cut < MaxSayLength / 2 ? MaxSayLength : cut + 1;
            yield return text[..cut].Trim();
            text = text[cut..].TrimStart();
        }

        yield return text;
    }

    private static string Shorten(string text, int length)
    {
        if (length >= text.Length)
        {
            return text;
        }

        var cut = text.LastIndexOf(' ', Math.Max(0, length - 1));
        return (cut > 0 ? text[..cut] : text[..length]).TrimEnd() + Ellipsis;
    }

    private static string Document(Action<XmlWriter> body)
    {
        using var buffer = new MemoryStream();
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = false, OmitXmlDeclaration = false };
        using (var xml = XmlWriter.Create(buffer, settings))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("Response");
            body(xml);
            xml.WriteEndElement();
            xml.WriteEndDocument();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
