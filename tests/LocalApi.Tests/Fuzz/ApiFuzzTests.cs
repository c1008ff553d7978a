using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Cualify.Appliance.LocalApi.Tests.Fuzz;

/// <summary>
/// Reads the served OpenAPI document and sends every operation thousands of malformed requests with a valid
/// admin key (operator key for <c>/orgs</c>): no answer may be a 5xx, and every non-2xx answer must be the
/// contract's error envelope. Seeded and bounded in count, so every run sends the same requests.
/// </summary>
public sealed class ApiFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20261201;

    private static readonly HashSet<string> ContractCodes =
    [
        "invalid_request", "unauthorized", "forbidden", "not_found", "conflict", "insufficient_credits", "too_many_requests", "upstream_error", "internal_error",
    ];

    [Fact]
    public async Task No_malformed_request_to_any_documented_operation_gets_a_5xx_or_an_answer_outside_the_envelope()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var appliance = await RunningAppliance.StartAsync(services: s => s.AddSingleton<TimeProvider>(time));
        var orgs = appliance.Get<OrgStore>();
        var home = (await orgs.FindAsync(OrgStore.DefaultName))!;
        await orgs.UpdateTermsAsync(home.Id, new OrgTermsChange(RateLimitPerMinute: 1_000_000));
        var target = await orgs.CreateAsync("fuzz-target");
        using var admin = Fuzzing(appliance, appliance.AdminKey!);
        using var op = Fuzzing(appliance, await appliance.KeyAsync(Scope.Operator));

        var playbookId = (string)(await (await admin.PostJsonAsync("/api/v1/playbooks", new
        {
            name = "fuzz", language = "en-IN", max_duration_sec = 60, disclosure_text = "This call is from Acme.", message_text = "Hello.",
        })).ExpectAsync(201))["data"]!["id"]!;
        var contactId = (string)(await admin.UpsertContactAsync("+919812345678", "riya@example.com"))["id"]!;
        var ids = new Dictionary<string, string> { ["playbooks"] = playbookId, ["contacts"] = contactId, ["orgs"] = target.Id };

        var document = await (await admin.GetAsync("/api/v1/openapi.json")).ExpectAsync(200);
        var operations = ApiOperation.AllIn(document)
            .OrderBy(o => o.Method == "DELETE") // keep the shared playbook and contact alive until the end
            .ToList();
        Assert.True(operations.Count >= 40, $"the document lists only {operations.Count} operations");
        var fallback = operations.SelectMany(o => o.BodyProperties).Distinct().Order(StringComparer.Ordinal).ToList();
        var cases = new FuzzCases(new Random(Seed), (operation, hostileId) => Resolve(operation, hostileId, ids), fallback);

        var failures = new List<string>();
        var sent = 0;
        var refused = 0;
        var perOperation = new Dictionary<string, int>();
        foreach (var operation in operations)
        {
            time.Advance(TimeSpan.FromMinutes(2)); // every operation starts with fresh rate-limit windows
            var client = operation.PathTemplate.StartsWith("/api/v1/orgs", StringComparison.Ordinal) ? op : admin;
            foreach (var fuzzCase in cases.For(operation))
            {
                var (status, problem) = await SendAsync(client, fuzzCase);
                sent++;
                perOperation[operation.ToString()] = perOperation.GetValueOrDefault(operation.ToString()) + 1;
                refused += status >= 400 ? 1 : 0;
                if (problem is not null)
                {
                    failures.Add($"{status} {fuzzCase.Describe()}: {problem}");
                }
            }
        }

        output.WriteLine($"{sent} requests to {operations.Count} operations, {refused} refused, {failures.Count} answered badly");
        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} malformed requests were answered badly:\n" + string.Join("\n", failures.Take(40)));
        Assert.True(sent >= 3000, $"only {sent} requests were sent");
        Assert.All(operations, o => Assert.True(perOperation.GetValueOrDefault(o.ToString()) >= 10, $"{o} got too few cases"));
        Assert.True(refused > sent / 2, $"only {refused} of {sent} malformed requests were refused");
    }

    private static HttpClient Fuzzing(RunningAppliance appliance, string key)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false })
        {
            BaseAddress = appliance.BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>The operation's path with real ids where one exists, or <paramref name="hostileId"/> in the first parameter.</summary>
    private static string Resolve(ApiOperation operation, string? hostileId, Dictionary<string, string> ids)
    {
        var segments = operation.PathTemplate.Split('/');
        var first = true;
        for (var i = 0; i < segments.Length; i++)
        {
            if (!segments[i].StartsWith('{'))
            {
                continue;
            }

            segments[i] = first && hostileId is not null ? hostileId : ids.GetValueOrDefault(segments[i - 1], "01a233d5-0000-7000-8000-000000000000");
            first = false;
        }

        return string.Join('/', segments);
    }

    /// <summary>The answer's status, and what is wrong with it (null when it is a 2xx or 3xx, or a well-formed error).</summary>
    private static async Task<(int Status, string? Problem)> SendAsync(HttpClient client, FuzzCase fuzzCase)
    {
        using var request = new HttpRequestMessage(new HttpMethod(fuzzCase.Operation.Method), fuzzCase.Url);
        if (fuzzCase.Body is not null)
        {
            request.Content = new ByteArrayContent(fuzzCase.Body);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", fuzzCase.ContentType);
        }

        foreach (var (name, value) in fuzzCase.Headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var status = (int)response.StatusCode;
        if (status < 400)
        {
            return (status, null); // a success (an event stream among them) is not read to its end
        }

        var text = await response.Content.ReadAsStringAsync();
        if (status >= 500)
        {
            return (status, $"server error: {text[..Math.Min(text.Length, 300)]}");
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/json")
        {
            return (status, $"not JSON ({response.Content.Headers.ContentType}): {text[..Math.Min(text.Length, 200)]}");
        }

        try
        {
            var error = JsonNode.Parse(text)?["error"];
            var code = (string?)error?["code"];
            if (code is null || !ContractCodes.Contains(code) || string.IsNullOrWhiteSpace((string?)error!["message"]))
            {
                return (status, $"not the error envelope: {text[..Math.Min(text.Length, 200)]}");
            }
        }
        catch (JsonException)
        {
            return (status, $"unparseable body: {text[..Math.Min(text.Length, 200)]}");
        }

        return (status, null);
    }
}
