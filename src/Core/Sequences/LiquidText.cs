using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cualify.Appliance.Core.Contacts;
using Fluid;
using Fluid.Ast;
using Fluid.Values;

namespace Cualify.Appliance.Core.Sequences;

/// <summary>
/// Subject and body templates in Liquid (Fluid) over the contact: <c>{{ contact.first_name }}</c>,
/// <c>{{ contact.notes }}</c>, <c>{{ contact.metadata.company }}</c> (also <c>{{ metadata.company }}</c>).
/// Unknown variables render as empty text; syntax errors are found when a template is saved.
/// <para>
/// Rendering lives in Core, not in the Mailer: a step's text is rendered once, when the contact is enrolled,
/// and stored on the step as part of the enrollment's record (shown by <c>GET …/enrollments/{id}</c> and in the
/// review email, exactly what approval sends, erased with the contact; SPEC §2), and refusing a template that
/// cannot render is a rule checked when it is saved. The Mailer only sends text it finds stored.
/// </para>
/// <para>
/// Every render is bounded, because a template is an org's code running on a machine every org shares: at
/// most <see cref="MaxStatements"/> statements, <see cref="MaxRecursion"/> levels of nesting,
/// <see cref="MaxOutputChars"/> characters of output, and the same caps on what a statement can build without
/// running more statements: a range holds at most <see cref="MaxStatements"/> numbers (Fluid builds a range as
/// an array before a loop starts), and no filter returns a string longer than the output cap or an array
/// longer than the statement cap (<c>append</c> doubling a string would otherwise exhaust memory in 40 steps).
/// A render that passes a bound stops at once with a <see cref="TemplateBoundsException"/> naming it.
/// Rendering never runs inside a store write.
/// </para>
/// </summary>
public static partial class LiquidText
{
    public const int MaxStatements = 20_000;
    public const int MaxRecursion = 32;
    public const int MaxOutputChars = 200_000;

    private static readonly FluidParser Parser = new();
    private static readonly TemplateOptions Options = BoundedOptions();
    private static readonly ConcurrentDictionary<string, IFluidTemplate> Parsed = new(StringComparer.Ordinal);

    /// <summary>The syntax error of <paramref name="text"/> as "line L, column C: what", or null when it parses.</summary>
    public static string? FindError(string text)
    {
        if (Parser.TryParse(text, out _, out var error))
        {
            return null;
        }

        var firstLine = error.Split('\n')[0].Trim();
        var position = Position().Match(firstLine);
        return position.Success
            ? $"line {position.Groups["line"].Value}, column {position.Groups["column"].Value}: {firstLine[..position.Index].Trim()}"
            : firstLine;
    }

    /// <summary>
    /// Why <paramref name="text"/> (which parses) cannot render within the bounds for a contact with no fields
    /// filled in, or null when it can: a template that loops beyond the bounds on its own is refused at save.
    /// </summary>
    public static async Task<string?> FindBoundsErrorAsync(string text)
    {
        try
        {
            await RenderAsync(text, BlankContact);
            return null;
        }
        catch (TemplateBoundsException bounds)
        {
            return bounds.Message;
        }
    }

    /// <summary>Renders a template that was checked on save; throws <see cref="TemplateBoundsException"/> past a bound.</summary>
    public static async Task<string> RenderAsync(string? text, Contact contact)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var template = Parsed.GetOrAdd(text, t => Parser.TryParse(t, out var parsed, out var error)
            ? new RangeBounds().VisitTemplate(parsed)
            : throw new InvalidOperationException($"A stored template does not parse: {error}"));
        if (Parsed.Count > 10_000)
        {
            Parsed.Clear();
        }

        using var output = new BoundedWriter(MaxOutputChars);
        try
        {
            await template.RenderAsync(output, NullEncoder.Default, new TemplateContext(Model(contact), Options));
        }
        catch (InvalidOperationException fluid) when (fluid.Message.StartsWith("The maximum ", StringComparison.Ordinal))
        {
            // Fluid reports its statement limit with the recursion message, so the two cannot be told apart.
            throw new TemplateBoundsException($"it runs more than {MaxStatements} statements or nests deeper than {MaxRecursion} levels");
        }

        return output.ToString();
    }

    /// <summary>What a template sees of the contact.</summary>
    public static Dictionary<string, object?> Model(Contact contact)
    {
        var metadata = ToPlain(JsonDocument.Parse(contact.Metadata).RootElement);
        return new Dictionary<string, object?>
        {
            ["contact"] = new Dictionary<string, object?>
            {
                ["id"] = contact.Id,
                ["name"] = contact.Name,
                ["first_name"] = contact.FirstName,
                ["last_name"] = contact.LastName,
                ["email"] = contact.Email,
                ["phone_e164"] = contact.PhoneE164,
                ["language_pref"] = contact.LanguagePref,
                ["notes"] = contact.Notes,
                ["metadata"] = metadata,
            },
            ["metadata"] = metadata,
        };
    }

    private static readonly Contact BlankContact = new() { Metadata = "{}" };

    private static object? ToPlain(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => ToPlain(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Select(ToPlain).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var whole) ? whole : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    [GeneratedRegex(@"at \((?<line>\d+):(?<column>\d+)\)")]
    private static partial Regex Position();

    private static TemplateOptions BoundedOptions()
    {
        var options = new TemplateOptions { MaxSteps = MaxStatements, MaxRecursion = MaxRecursion };
        foreach (var (name, filter) in options.Filters.ToList())
        {
            options.Filters.AddFilter(name, async (input, arguments, context) =>
            {
                CheckSize(name, input);
                var result = await filter(input, arguments, context);
                CheckSize(name, result);
                return result;
            });
        }

        return options;
    }

    /// <summary>A filter's input or result must stay within the caps, so no filter can build an unbounded value.</summary>
    private static void CheckSize(string filter, FluidValue value)
    {
        if (value is StringValue && value.ToStringValue().Length > MaxOutputChars)
        {
            throw new TemplateBoundsException($"the {filter} filter makes a string longer than {MaxOutputChars} characters");
        }

        if (value is ArrayValue array)
        {
            if (array.Values.Count > MaxStatements)
            {
                throw new TemplateBoundsException($"the {filter} filter works on a list longer than {MaxStatements} items");
            }

            var chars = 0L;
            foreach (var item in array.Values)
            {
                chars += item is StringValue ? item.ToStringValue().Length : 0;
            }

            if (chars > MaxOutputChars)
            {
                throw new TemplateBoundsException($"the {filter} filter works on a list holding more than {MaxOutputChars} characters");
            }
        }
    }

    /// <summary>Puts a size check in front of every range, because Fluid builds the whole range before using it.</summary>
    private sealed class RangeBounds : AstRewriter
    {
        protected override Expression VisitRangeExpression(RangeExpression rangeExpression) =>
            base.VisitRangeExpression(rangeExpression) is RangeExpression range ? new BoundedRange(range) : rangeExpression;
    }

    private sealed class BoundedRange(RangeExpression range) : Expression
    {
        public override async ValueTask<FluidValue> EvaluateAsync(TemplateContext context)
        {
            var from = (await range.From.EvaluateAsync(context)).ToNumberValue();
            var to = (await range.To.EvaluateAsync(context)).ToNumberValue();
            if (to - from >= MaxStatements)
            {
                throw new TemplateBoundsException($"a range ({from}..{to}) holds more than {MaxStatements} numbers");
            }

            return await range.EvaluateAsync(context);
        }
    }

    /// <summary>Collects the output and stops the render as soon as it grows past the limit.</summary>
    private sealed class BoundedWriter(int limit) : StringWriter(new StringBuilder(), System.Globalization.CultureInfo.InvariantCulture)
    {
        public override void Write(char value)
        {
            Check(1);
            base.Write(value);
        }

        public override void Write(char[] buffer, int index, int count)
        {
            Check(count);
            base.Write(buffer, index, count);
        }

        public override void Write(string? value)
        {
            Check(value?.Length ?? 0);
            base.Write(value);
        }

        public override void Write(ReadOnlySpan<char> buffer)
        {
            Check(buffer.Length);
            base.Write(buffer);
        }

        private void Check(int adding)
        {
            if (GetStringBuilder().Length + adding > limit)
            {
                throw new TemplateBoundsException($"its output passes {limit} characters");
            }
        }
    }
}

/// <summary>A template render passed one of <see cref="LiquidText"/>'s bounds; the message says which.</summary>
public sealed class TemplateBoundsException(string message) : Exception(message);
