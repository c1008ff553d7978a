using System.Text;
using System.Text.Json;
using Cualify.Appliance.Core.Errors;

namespace Cualify.Appliance.LocalApi.Json;

/// <summary>
/// What every JSON request body must be before any endpoint binds it: well formed, each object's keys once,
/// every string valid Unicode (no invalid UTF-8, no lone surrogate escapes, no NUL) and nesting within bounds.
/// Failures are <see cref="ErrorKind.Invalid"/> naming the offending field as a path (<c>dtmf.1</c>, <c>steps[2].body</c>).
/// </summary>
public static class JsonBodyCheck
{
    public const int MaxDepth = 32;

    public static void Check(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxDepth + 1, CommentHandling = JsonCommentHandling.Disallow });
        var scopes = new Stack<Scope>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        scopes.TryPeek(out var parent);
                        parent?.NextElement();
                        if (reader.CurrentDepth >= MaxDepth)
                        {
                            throw ApplianceException.BadRequest($"The body is nested more than {MaxDepth} levels deep", PathOf(scopes));
                        }

                        scopes.Push(new Scope(PathOf(scopes), reader.TokenType == JsonTokenType.StartArray));
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        scopes.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                        var scope = scopes.Peek();
                        var name = TextOf(ref reader, scope.PathOfProperty(SafeName(ref reader)));
                        scope.Property = name;
                        if (!scope.Keys.Add(name))
                        {
                            throw ApplianceException.BadRequest($"{scope.PathOfProperty(name)} appears more than once in the body; send each field once",
                                scope.PathOfProperty(name));
                        }

                        break;
                    case JsonTokenType.String:
                        scopes.TryPeek(out var owner);
                        owner?.NextElement();
                        TextOf(ref reader, PathOf(scopes));
                        break;
                    default:
                        scopes.TryPeek(out var holder);
                        holder?.NextElement();
                        break;
                }
            }
        }
        catch (JsonException json)
        {
            var where = json.LineNumber is { } line ? $" (line {line + 1}, byte {json.BytePositionInLine + 1})" : "";
            throw ApplianceException.BadRequest($"Malformed JSON{where}: the body must be one valid JSON object");
        }
    }

    private static string? PathOf(Stack<Scope> scopes) =>
        scopes.TryPeek(out var innermost) ? innermost.PathOfCurrent() : null;

    /// <summary>The string's text; invalid UTF-8 and lone surrogates make <c>GetString</c> throw.</summary>
    private static string TextOf(ref Utf8JsonReader reader, string? path)
    {
        string text;
        try
        {
            text = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            var what = path is null ? "A value" : path;
            throw ApplianceException.BadRequest($"{what} is not valid text: it holds invalid UTF-8 or a lone UTF-16 surrogate", path);
        }

        NulCharacter.Refuse(text, path);
        return text;
    }

    /// <summary>A key's text for naming it in an error, even when the key itself is the invalid text.</summary>
    private static string SafeName(ref Utf8JsonReader reader)
    {
        var raw = reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan.ToArray();
        return Encoding.UTF8.GetString(raw);
    }

    private sealed class Scope(string? path, bool isArray)
    {
        private int _index = -1;

        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);

        public string? Property { get; set; }

        /// <summary>An array element begins (a no-op for objects, whose members are named by their key).</summary>
        public void NextElement()
        {
            if (isArray)
            {
                _index++;
            }
        }

        public string PathOfProperty(string name) => path is null ? name : $"{path}.{name}";

        /// <summary>The path of the value being read in this scope.</summary>
        public string? PathOfCurrent() =>
            isArray ? $"{path}[{Math.Max(_index, 0)}]" : Property is null ? path : PathOfProperty(Property);
    }
}
