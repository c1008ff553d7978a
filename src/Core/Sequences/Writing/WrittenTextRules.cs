using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cualify.Appliance.Core.Sequences.Writing;

/// <summary>A writer's answer that passed <see cref="WrittenTextRules"/>, ready to store and send.</summary>
public sealed record WrittenText(string Subject, string Body);

/// <summary>
/// What the appliance accepts from a writer: a JSON object with a string <c>subject</c> and <c>body</c>. Any HTML in
/// them is reduced to plain text (scripts and styles dropped with their content, block ends made line breaks,
/// entities decoded), because the appliance builds the message itself; the subject is made one line and cut to
/// <see cref="WriterPrompt.MaxSubjectChars"/> characters. Anything else is unusable, with the reason in words.
/// </summary>
public static partial class WrittenTextRules
{
    public const int MaxBodyChars = 20_000;

    /// <summary>The text to store, or null with <paramref name="problem"/> saying why the answer cannot be used.</summary>
    public static WrittenText? Read(string? content, bool subjectRequired, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(content))
        {
            problem = "the answer was empty";
            return null;
        }

        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(StripCodeFence(content));
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            problem = "the answer was not the JSON object asked for";
            return null;
        }

        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("body", out var bodyValue) || bodyValue.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("subject", out var subjectValue) || subjectValue.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
        {
            problem = "the answer lacked a string subject and body";
            return null;
        }

        var body = PlainText(bodyValue.GetString()!);
        var subject = OneLine(PlainText(subjectValue.GetString() ?? ""));
        if (body.Length == 0)
        {
            problem = "the body was empty";
            return null;
        }

        if (body.Length > MaxBodyChars)
        {
            problem = $"the body was longer than {MaxBodyChars} characters";
            return null;
        }

        if (subjectRequired && subject.Length == 0)
        {
            problem = "the subject was empty";
            return null;
        }

        return new WrittenText(subject, body);
    }

    /// <summary>Text with no markup left: what a mail client shows of the HTML, as plain text.</summary>
    public static string PlainText(string text)
    {
        var plain = HiddenElement().Replace(text, "");
        plain = LineBreak().Replace(plain, "\n");
        plain = BlockEnd().Replace(plain, "\n\n");
        plain = ListItem().Replace(plain, "\n- ");
        plain = Tag().Replace(plain, "");
        plain = WebUtility.HtmlDecode(plain);
        // Decoding may turn &lt;b&gt; into a tag again; it is removed too, so no markup survives in any form.
        plain = Tag().Replace(plain, "");
        var kept = new StringBuilder(plain.Length);
        foreach (var c in plain.Replace("\r\n", "\n").Replace('\r', '\n'))
        {
            if (c is '\n' or '\t' || !char.IsControl(c))
            {
                kept.Append(c);
            }
        }

        var lines = kept.ToString().Split('\n').Select(l => l.TrimEnd());
        return ManyBlankLines().Replace(string.Join('\n', lines), "\n\n").Trim();
    }

    /// <summary>One line of at most <see cref="WriterPrompt.MaxSubjectChars"/> characters, never splitting a character in two.</summary>
    public static string OneLine(string subject)
    {
        var line = Whitespace().Replace(subject, " ").Trim();
        if (line.Length <= WriterPrompt.MaxSubjectChars)
        {
            return line;
        }

        var cut = WriterPrompt.MaxSubjectChars;
        if (char.IsLowSurrogate(line[cut]))
        {
            cut--;
        }

        return line[..cut].TrimEnd();
    }

    /// <summary>Some local models wrap JSON in a Markdown code fence even when asked not to.</summary>
    private static string StripCodeFence(string content)
    {
        var trimmed = content.Trim();
        var fence = CodeFence().Match(trimmed);
        return fence.Success ? fence.Groups["json"].Value : trimmed;
    }

    [GeneratedRegex(@"<(script|style|head|title)\b[^>]*>.*?</\1\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex HiddenElement();

    [GeneratedRegex(@"<br\s*/?>", RegexOptions.IgnoreCase)]
    private static partial Regex LineBreak();

    [GeneratedRegex(@"</(p|div|h[1-6]|blockquote|table|tr|ul|ol)\s*>", RegexOptions.IgnoreCase)]
    private static partial Regex BlockEnd();

    [GeneratedRegex(@"<li\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex ListItem();

    [GeneratedRegex(@"<[A-Za-z/!?][^>]*>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"\n{3,}")]
    private static partial Regex ManyBlankLines();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^```(?:json)?\s*(?<json>.*?)\s*```$", RegexOptions.Singleline)]
    private static partial Regex CodeFence();
}
