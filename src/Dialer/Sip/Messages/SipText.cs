using System.Text;

namespace Cualify.Appliance.Dialer.Sip.Messages;

/// <summary>Lexical pieces of the RFC 3261 grammar: tokens, quoted strings, comma lists and <c>;name=value</c> parameters.</summary>
public static class SipText
{
    private const string TokenPunctuation = "-.!%*_+`'~";

    public static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || TokenPunctuation.Contains(c);

    public static bool IsToken(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!IsTokenChar(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Splits a header value on commas that are outside quotes and angle brackets.</summary>
    public static List<string> SplitList(string value)
    {
        var parts = new List<string>();
        var start = 0;
        var quoted = false;
        var angle = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (quoted)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == '<')
            {
                angle++;
            }
            else if (c == '>' && angle > 0)
            {
                angle--;
            }
            else if (c == ',' && angle == 0)
            {
                AddPart(parts, value[start..i]);
                start = i + 1;
            }
        }

        AddPart(parts, value[start..]);
        return parts;
    }

    private static void AddPart(List<string> parts, string part)
    {
        part = part.Trim();
        if (part.Length > 0)
        {
            parts.Add(part);
        }
    }

    /// <summary>
    /// Reads <c>;name[=value]</c> pairs from <paramref name="text"/> (which starts at a <c>;</c> or is empty).
    /// Returns false when the text is not a parameter list.
    /// </summary>
    public static bool TryParseParameters(ReadOnlySpan<char> text, SipParameters parameters)
    {
        var i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i == text.Length)
            {
                return true;
            }

            if (text[i] != ';')
            {
                return false;
            }

            i++;
            var nameStart = i;
            while (i < text.Length && text[i] is not ('=' or ';') && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            var name = text[nameStart..i].ToString();
            if (name.Length == 0 || !IsToken(name))
            {
                return false;
            }

            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            string? value = null;
            if (i < text.Length && text[i] == '=')
            {
                i++;
                while (i < text.Length && char.IsWhiteSpace(text[i]))
                {
                    i++;
                }

                if (i < text.Length && text[i] == '"')
                {
                    if (!TryReadQuoted(text, ref i, out var quoted))
                    {
                        return false;
                    }

                    value = quoted;
                }
                else
                {
                    var valueStart = i;
                    while (i < text.Length && text[i] != ';' && !char.IsWhiteSpace(text[i]))
                    {
                        i++;
                    }

                    value = text[valueStart..i].ToString();
                }
            }

            parameters.Set(name, value);
        }
    }

    /// <summary>Reads a quoted string starting at <paramref name="i"/> (on the opening quote), unescaping it.</summary>
    public static bool TryReadQuoted(ReadOnlySpan<char> text, ref int i, out string value)
    {
        var builder = new StringBuilder();
        for (var j = i + 1; j < text.Length; j++)
        {
            var c = text[j];
            if (c == '\\' && j + 1 < text.Length)
            {
                builder.Append(text[++j]);
            }
            else if (c == '"')
            {
                i = j + 1;
                value = builder.ToString();
                return true;
            }
            else
            {
                builder.Append(c);
            }
        }

        value = "";
        return false;
    }

    public static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
