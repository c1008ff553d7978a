using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Dapper;

namespace Cualify.Appliance.LocalApi.Tests;

/// <summary>A playbook's <c>agent</c>: where its calls are streamed, with a write-only token that is stored sealed.</summary>
public sealed class PlaybookAgentApiTests : IAsyncLifetime
{
    private const string Token = "agent-secret-token-7f3a";
    private DialerHarness _harness = null!;

    public async Task InitializeAsync() =>
        _harness = await DialerHarness.StartAsync(settings: new Dictionary<string, string?> { ["Dialer:AgentStreamAllowWsHosts:0"] = "agents.lan" });

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task An_agent_is_stored_with_its_token_sealed_never_shown_and_kept_cleared_or_removed_by_patch()
    {
        var admin = _harness.Admin;
        var created = (await (await admin.PostJsonAsync("/api/v1/playbooks", new
        {
            name = "Agent renewal",
            disclosure_text = "This is an automated call from Acme Insurance.",
            message_text = "Our assistant is busy; we will call you back.",
            agent = new { stream_url = "wss://agent.example.com/media", auth_token = Token, parameters = new Dictionary<string, string> { ["campaign"] = "renewal" } },
        })).ExpectAsync(201))["data"]!;
        var id = (string)created["id"]!;
        Assert.Equal("wss://agent.example.com/media", (string?)created["agent"]!["stream_url"]);
        Assert.Equal("renewal", (string?)created["agent"]!["parameters"]!["campaign"]);
        Assert.True((bool)created["agent"]!["auth_token_set"]!);
        Assert.DoesNotContain(Token, created.ToJsonString());

        var read = await (await admin.GetAsync($"/api/v1/playbooks/{id}")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(Token, read);
        var stored = await StoredTokenAsync(id);
        Assert.StartsWith("v1:", stored);
        Assert.DoesNotContain(Token, stored);

        var renamed = (await (await admin.PatchJsonAsync($"/api/v1/playbooks/{id}", new { name = "Agent renewal v2" })).ExpectAsync(200))["data"]!;
        Assert.True((bool)renamed["agent"]!["auth_token_set"]!);
        Assert.Equal(stored, await StoredTokenAsync(id));

        var moved = (await (await admin.PatchJsonAsync($"/api/v1/playbooks/{id}", new { agent = new { stream_url = "ws://agents.lan:8765/stream" } })).ExpectAsync(200))["data"]!;
        Assert.Equal("ws://agents.lan:8765/stream", (string?)moved["agent"]!["stream_url"]);
        Assert.True((bool)moved["agent"]!["auth_token_set"]!, "an agent sent without auth_token keeps the stored one");
        Assert.Empty(moved["agent"]!["parameters"]!.AsObject());

        var tokenless = (await (await admin.PatchJsonAsync($"/api/v1/playbooks/{id}", new { agent = new { stream_url = "ws://127.0.0.1:9/stream", auth_token = (string?)null } })).ExpectAsync(200))["data"]!;
        Assert.False((bool)tokenless["agent"]!["auth_token_set"]!);
        Assert.Null(await StoredTokenAsync(id));

        var removed = (await (await admin.PatchJsonAsync($"/api/v1/playbooks/{id}", new { agent = (object?)null })).ExpectAsync(200))["data"]!;
        Assert.Null(removed["agent"]);
    }

    [Theory]
    [InlineData("ws://agent.example.com/media")]
    [InlineData("https://agent.example.com/media")]
    [InlineData("wss://user:pass@agent.example.com/media")]
    [InlineData("agent.example.com/media")]
    [InlineData("")]
    public async Task An_agent_url_that_is_not_wss_or_allowed_ws_is_422_naming_it(string url)
    {
        var error = await (await _harness.Admin.PostJsonAsync("/api/v1/playbooks", new { name = "Bad agent", agent = new { stream_url = url } }))
            .ExpectErrorAsync(422, "invalid_request", "agent.stream_url");
        Assert.Contains("agent.stream_url", (string?)error["message"]);
    }

    [Fact]
    public async Task Plain_ws_is_accepted_for_loopback_and_configured_hosts_only()
    {
        foreach (var url in new[] { "ws://127.0.0.1:8765/stream", "ws://localhost/stream", "ws://[::1]:80/", "ws://agents.lan/stream" })
        {
            await (await _harness.Admin.PostJsonAsync("/api/v1/playbooks", new { name = "Local agent", agent = new { stream_url = url } })).ExpectAsync(201);
        }

        var id = await _harness.CreatePlaybookAsync();
        await (await _harness.Admin.PatchJsonAsync($"/api/v1/playbooks/{id}", new { agent = new { stream_url = "ws://10.0.0.7/stream" } }))
            .ExpectErrorAsync(422, "invalid_request", "agent.stream_url");
        await (await _harness.Admin.PatchJsonAsync($"/api/v1/playbooks/{id}", new { agent = "wss://agent.example.com" }))
            .ExpectErrorAsync(422, "invalid_request", "agent");
        await (await _harness.Admin.PatchJsonAsync($"/api/v1/playbooks/{id}", new { agent = new { stream_url = "wss://agent.example.com", parameters = new { tries = 3 } } }))
            .ExpectErrorAsync(422, "invalid_request", "agent.parameters");
        await (await _harness.Admin.PostJsonAsync("/api/v1/playbooks", new { name = "Spaced token", agent = new { stream_url = "wss://agent.example.com", auth_token = "has a space" } }))
            .ExpectErrorAsync(422, "invalid_request", "agent.auth_token");
    }

    private Task<string?> StoredTokenAsync(string id) =>
        _harness.Appliance.Get<ApplianceStore>().ReadAsync(c => c.ExecuteScalarAsync<string?>("SELECT agent_auth_token FROM playbooks WHERE id = @id", new { id }));
}
