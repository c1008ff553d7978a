using System.Text;
using static Cualify.Appliance.LocalApi.Tests.Fuzz.HostileValues;

namespace Cualify.Appliance.LocalApi.Tests.Fuzz;

/// <summary>
/// Every hostile request for one operation: broken bodies, every body property given broken text, wrong
/// types, huge values, duplicates and deep nesting, other content types, bad query and header values and
/// ids that are not ids. Deterministic for a given seed.
/// </summary>
public sealed class FuzzCases(Random random, Func<ApiOperation, string?, string> resolvePath, IReadOnlyList<string> fallbackProperties)
{
    private const string Json = "application/json";

    public IEnumerable<FuzzCase> For(ApiOperation operation)
    {
        var url = resolvePath(operation, null);
        var sendsBody = operation.TakesJson || operation.Method is "POST" or "PATCH" or "PUT";
        if (sendsBody)
        {
            foreach (var fuzzCase in Bodies(operation, url))
            {
                yield return fuzzCase;
            }

            foreach (var fuzzCase in OtherContent(operation, url))
            {
                yield return fuzzCase;
            }
        }

        else
        {
            foreach (var (kind, body) in BrokenBodies().Take(6).Append(("broken text", BrokenText[0])))
            {
                yield return new FuzzCase(operation, $"unexpected body, {kind}", url, body, Json);
            }
        }

        foreach (var accept in new[] { "text/html", "application/xml", "*/*;q=x", "garbage" })
        {
            yield return new FuzzCase(operation, "accept", url, Headers: [("Accept", accept)]);
        }

        foreach (var fuzzCase in Queries(operation, url))
        {
            yield return fuzzCase;
        }

        foreach (var name in operation.HeaderParameters.Append("Idempotency-Key"))
        {
            foreach (var value in HeaderValues)
            {
                yield return new FuzzCase(operation, $"header {name}", url, Headers: [(name, value)]);
            }
        }

        foreach (var name in operation.PathParameters)
        {
            foreach (var id in PathIds)
            {
                var hostileUrl = resolvePath(operation, id);
                yield return new FuzzCase(operation, $"path {name}", hostileUrl, sendsBody ? Ascii("{}") : null, sendsBody ? Json : null);
            }
        }
    }

    private IEnumerable<FuzzCase> Bodies(ApiOperation operation, string url)
    {
        foreach (var (kind, body) in BrokenBodies())
        {
            yield return new FuzzCase(operation, kind, url, body, Json);
        }

        yield return new FuzzCase(operation, "over-body-limit", url, Ascii("{\"a\":\"" + new string('a', 9 * 1024 * 1024) + "\"}"), Json);

        var properties = operation.BodyProperties.Count > 0 ? operation.BodyProperties : fallbackProperties;
        foreach (var property in properties)
        {
            var name = Encoding.UTF8.GetBytes(System.Text.Json.JsonEncodedText.Encode(property).ToString());
            byte[] Member(byte[] value) => [.. "{\""u8, .. name, .. "\":"u8, .. value, .. "}"u8];

            yield return new FuzzCase(operation, $"duplicate {property}", url, [.. "{\""u8, .. name, .. "\":\"a\",\""u8, .. name, .. "\":\"b\"}"u8], Json);
            yield return new FuzzCase(operation, $"nested duplicate {property}", url, Member(Ascii("{\"a\":1,\"a\":2}")), Json);
            yield return new FuzzCase(operation, $"nested broken key {property}", url, Member(Ascii("{\"\\ud800\":1}")), Json);
            foreach (var text in BrokenText)
            {
                yield return new FuzzCase(operation, $"broken text {property}", url, Member(text), Json);
            }

            foreach (var value in WrongTypes)
            {
                yield return new FuzzCase(operation, $"wrong type {property}", url, Member(Ascii(value)), Json);
            }

            foreach (var (kind, value) in HugeValues())
            {
                yield return new FuzzCase(operation, $"{kind} {property}", url, Member(Ascii(value)), Json);
            }
        }

        // Random byte damage to a body that names every property, so parsing fails at varied places.
        var whole = Ascii("{" + string.Join(",", properties.Select((p, i) => $"\"{p}\":{WrongTypes[i % WrongTypes.Length]}")) + "}");
        for (var i = 0; i < 12; i++)
        {
            var damaged = (byte[])whole.Clone();
            for (var flips = 1 + random.Next(3); flips > 0; flips--)
            {
                damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
            }

            yield return new FuzzCase(operation, "damaged", url, damaged, Json);
        }
    }

    private IEnumerable<FuzzCase> OtherContent(ApiOperation operation, string url)
    {
        yield return new FuzzCase(operation, "multipart without boundary", url, Ascii("--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc\r\n--x--\r\n"), "multipart/form-data");
        yield return new FuzzCase(operation, "multipart truncated", url,
            Ascii("--fz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\nRIFF"), "multipart/form-data; boundary=fz");
        yield return new FuzzCase(operation, "multipart headers cut", url, Ascii("--fz\r\nContent-Disposition: form-da"), "multipart/form-data; boundary=fz");
        yield return new FuzzCase(operation, "multipart junk file", url,
            Ascii("--fz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\nnot a wav\r\n--fz--\r\n"), "multipart/form-data; boundary=fz");
        yield return new FuzzCase(operation, "form", url, Ascii("a=%zz&&=&b"), "application/x-www-form-urlencoded");
        yield return new FuzzCase(operation, "text", url, Ascii("hello"), "text/plain");
        yield return new FuzzCase(operation, "json latin1", url, [(byte)'{', (byte)'"', (byte)'n', (byte)'"', (byte)':', (byte)'"', 0xe9, (byte)'"', (byte)'}'], "application/json; charset=iso-8859-1");
        var noise = new byte[4096];
        random.NextBytes(noise);
        yield return new FuzzCase(operation, "octets", url, noise, "application/octet-stream");
        yield return new FuzzCase(operation, "noise as json", url, noise, Json);
    }

    private static IEnumerable<FuzzCase> Queries(ApiOperation operation, string url)
    {
        var separator = url.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        foreach (var name in operation.QueryParameters)
        {
            foreach (var value in QueryValues)
            {
                yield return new FuzzCase(operation, $"query {name}", $"{url}{separator}{name}={value}");
            }

            yield return new FuzzCase(operation, $"repeated query {name}", $"{url}{separator}{name}=1&{name}=2");
        }

        yield return new FuzzCase(operation, "unknown query", $"{url}{separator}zzz=%ff&=&&limit");
    }
}
