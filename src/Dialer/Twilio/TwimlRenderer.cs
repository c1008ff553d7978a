using System.Xml.Linq;
using Cualify.Appliance.Dialer.Telephony;
using Twilio.TwiML;
using Twilio.TwiML.Voice;
using TwilioHttpMethod = Twilio.Http.HttpMethod;
using TwimlStream = Twilio.TwiML.Voice.Stream;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>Where the rendered TwiML points back at the appliance; all null without <c>Api:PublicBaseUrl</c>.</summary>
/// <param name="GatherAction">The <c>&lt;Gather action&gt;</c> URL that receives the pressed digit (or none).</param>
/// <param name="AudioUrl">The unguessable URL the uploaded prompt is served at as WAV.</param>
public sealed record TwimlLinks(string? GatherAction, string? AudioUrl)
{
    public static readonly TwimlLinks None = new(null, null);
}

/// <summary>
/// Renders a playbook as TwiML with the Twilio SDK's <see cref="VoiceResponse"/> (which escapes every text and attribute):
/// on a recorded call the org's recording notice, then the disclosure, as <c>&lt;Say&gt;</c> (not interruptible), then the message — the uploaded audio as
/// <c>&lt;Play&gt;</c>, else the message text as <c>&lt;Say&gt;</c> — inside a one-digit <c>&lt;Gather&gt;</c> whose
/// action also hears about a silent end (<c>actionOnEmptyResult</c>), so the appliance knows the playbook finished.
/// Without a public URL there is no Gather and no Play: the text is spoken and the call hangs up.
/// A playbook with an agent says its disclosure, then <c>&lt;Connect&gt;&lt;Stream url&gt;</c> with a
/// <c>&lt;Parameter&gt;</c> per custom parameter, so Twilio streams the call to the same agent (bidirectionally);
/// when the agent closes the stream the call hangs up. Twilio cannot send the agent's bearer token: on Twilio the
/// agent checks the <c>X-Twilio-Signature</c> of the WebSocket request instead.
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

    public static string Playbook(CallPlan plan, TwimlLinks links, bool includeDisclosure = true, string? messageText = null)
    {
        var playbook = plan.Playbook;
        var language = SayLanguage(plan);
        var response = new VoiceResponse();
        if (includeDisclosure && !string.IsNullOrWhiteSpace(playbook.RecordingNotice))
        {
            SayInParts(response, playbook.RecordingNotice, language);
        }

        if (includeDisclosure && !string.IsNullOrWhiteSpace(playbook.DisclosureText))
        {
            SayInParts(response, playbook.DisclosureText, language);
        }

        if (playbook.Agent is { } agent)
        {
            response.Append(AgentStream(agent));
            return Document(response.Hangup());
        }

        var message = messageText ?? playbook.MessageText;
        if (links.GatherAction is { } action)
        {
            var gather = new Gather(
                input: [Gather.InputEnum.Dtmf],
                numDigits: 1,
                timeout: GatherTimeoutSeconds,
                action: new Uri(action),
                method: TwilioHttpMethod.Post,
                actionOnEmptyResult: true);
            Message(gather, links.AudioUrl, message, language);
            response.Append(gather);
        }
        else
        {
            Message(response, links.AudioUrl, message, language);
        }

        return Document(response.Hangup());
    }

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
    public static string Transfer(string target, string callerId)
    {
        var sip = target.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) || target.StartsWith("sips:", StringComparison.OrdinalIgnoreCase);
        var dial = new Dial(callerId: sip || string.IsNullOrEmpty(callerId) ? null : callerId);
        if (sip)
        {
            dial.Sip(new Uri(target));
        }
        else
        {
            dial.Number(target);
        }

        return Document(new VoiceResponse().Append(dial));
    }

    public static string Hangup() => Document(new VoiceResponse().Hangup());

    /// <summary><c>&lt;Connect&gt;&lt;Stream&gt;</c>: Twilio's bidirectional media stream to the agent, with its custom parameters.</summary>
    private static Connect AgentStream(AgentStreamPlan agent)
    {
        var stream = new TwimlStream(url: agent.StreamUrl.ToString());
        foreach (var (name, value) in agent.CustomParameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            stream.Parameter(name: name, value: value);
        }

        return new Connect().Append(stream);
    }

    /// <summary>The language <c>&lt;Say&gt;</c> speaks in: the call's, else the playbook's (BCP 47, e.g. <c>hi-IN</c>).</summary>
    public static string SayLanguage(CallPlan plan) =>
        string.IsNullOrWhiteSpace(plan.Language) ? plan.Playbook.Language : plan.Language;

    private static void Message(TwiML parent, string? audioUrl, string? text, string language)
    {
        if (audioUrl is not null)
        {
            parent.Append(new Play(new Uri(audioUrl)));
        }
        else if (!string.IsNullOrWhiteSpace(text))
        {
            SayInParts(parent, text, language);
        }
    }

    private static void SayInParts(TwiML parent, string text, string language)
    {
        foreach (var part in SplitForSay(text.Trim()))
        {
            parent.Append(new Say(part, language: string.IsNullOrWhiteSpace(language) ? null : language));
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

    /// <summary>The document without indentation: every character counts against Twilio's inline limit.</summary>
    private static string Document(TwiML response) => response.ToString(SaveOptions.DisableFormatting);
}
