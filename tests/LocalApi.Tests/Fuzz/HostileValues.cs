using System.Text;

namespace Cualify.Appliance.LocalApi.Tests.Fuzz;

/// <summary>The raw JSON values, bodies, query values and ids the fuzzer throws at the API (bytes, because some are not UTF-8).</summary>
public static class HostileValues
{
    /// <summary>Values of the wrong type for most fields, and edge numbers for the rest.</summary>
    public static readonly string[] WrongTypes =
    [
        "0", "-1", "1.5", "1e400", "-1e400", "9223372036854775808", "-9223372036854775809", "true", "false", "null",
        "[]", "{}", "[1,\"a\",null]", "{\"a\":1}", "\"\"", "\"x\"", "\"   \"", "\"2026-13-45T99:99:99Z\"", "\"+919812345678\"",
        "\"-1\"", "\"1e400\"", "\"{{ contact.name }}{% for i in (1..5) %}\"", "\"<script>alert(1)</script>\"",
    ];

    /// <summary>Strings that are not valid Unicode text: lone surrogates (escaped) and invalid UTF-8 (raw bytes).</summary>
    public static readonly byte[][] BrokenText =
    [
        Ascii("\"\\ud800\""), Ascii("\"\\udfff\""), Ascii("\"a\\ud83d\""), Ascii("\"\\ud83d\\u0041\""), Ascii("\"\\udc00\\ud800\""),
        [(byte)'"', 0xff, (byte)'"'], [(byte)'"', 0xc0, 0xaf, (byte)'"'], [(byte)'"', 0xed, 0xa0, 0x80, (byte)'"'],
        [(byte)'"', 0xf4, 0x90, 0x80, 0x80, (byte)'"'], [(byte)'"', (byte)'a', 0xe2, 0x82, (byte)'"'],
        Ascii("\"\\u0000\""), Ascii("\"\\uZZZZ\""),
    ];

    /// <summary>Bodies broken as a whole, whatever the operation.</summary>
    public static IEnumerable<(string Kind, byte[] Body)> BrokenBodies()
    {
        foreach (var text in new[]
        {
            "", " ", "{", "}", "{\"a\":", "[]", "[{}]", "null", "0", "\"x\"", "{} {}", "{},", "{'a':1}", "{\"a\":1,}",
            "/* comment */ {}", "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\" 1}", "{\"a\":01}", "{\"a\":\"\\x\"}", "{\"a\":\"line\nbreak\"}",
        })
        {
            yield return ("malformed", Ascii(text));
        }

        yield return ("bom", [0xef, 0xbb, 0xbf, (byte)'{', (byte)'}']);
        yield return ("utf16", Encoding.Unicode.GetBytes("{\"name\":\"x\"}"));
        yield return ("invalid-utf8-outside-strings", [(byte)'{', 0xff, (byte)'}']);
        yield return ("deep-array", Ascii(new string('[', 40) + new string(']', 40)));
        yield return ("deep-object", Ascii(string.Concat(Enumerable.Repeat("{\"a\":", 40)) + "1" + new string('}', 40)));
        yield return ("very-deep", Ascii(new string('[', 5000) + new string(']', 5000)));
        yield return ("many-keys", Ascii("{" + string.Join(",", Enumerable.Range(0, 20_000).Select(i => $"\"k{i}\":{i}")) + "}"));
    }

    /// <summary>Values too large for any field: long strings, long numbers, long arrays and nesting at and past the limit.</summary>
    public static IEnumerable<(string Kind, string Json)> HugeValues()
    {
        yield return ("long-string", "\"" + new string('a', 200_000) + "\"");
        yield return ("long-multibyte", "\"" + string.Concat(Enumerable.Repeat("é😀", 20_000)) + "\"");
        yield return ("long-number", new string('9', 10_000));
        yield return ("long-array", "[" + string.Join(",", Enumerable.Repeat("null", 10_000)) + "]");
        yield return ("nested-30", new string('[', 30) + new string(']', 30));
        yield return ("nested-40", string.Concat(Enumerable.Repeat("{\"a\":", 40)) + "1" + new string('}', 40));
    }

    /// <summary>Query values that do not parse, are out of range, or are not valid text once decoded.</summary>
    public static readonly string[] QueryValues =
    [
        "", "abc", "-1", "0", "101", "1.5", "99999999999999999999", "1e3", "%ff%fe", "%ED%A0%80", "%C0%AF", "%00", "%zz",
        "true", "null", "[]", "2026-99-99", "2026-05-31T14:22:11Z", "%2B919812345678", "a%26b%3Dc", new string('a', 4000),
    ];

    /// <summary>Ids that exist nowhere or are not ids at all (percent-encoded where the URL needs it).</summary>
    public static readonly string[] PathIds =
    [
        "x", "0", "-1", new string('a', 300), "%ff", "%C0%AF", "..%2F..", "%20", "null", "%E2%80%AE", "%27%20OR%201%3D1%20--",
        "01a233d5-1ebe-7ccb-a0a0-0f68837d7b08", "%ED%A0%80",
    ];

    /// <summary>Header values that are not what the header means (ASCII only: clients refuse anything else).</summary>
    public static readonly string[] HeaderValues = ["garbage", "-1", "99999999999999999999", new string('a', 4000), "%ff", "1,2,3", ""];

    public static byte[] Ascii(string text) => Encoding.UTF8.GetBytes(text);
}
