using System.Text.Json.Nodes;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.LocalApi.Tests;

/// <summary>Shortcuts tests share: keys of a given scope, a second org, a contact.</summary>
public static class ApiFixtures
{
    public static async Task<string> KeyAsync(this RunningAppliance appliance, Scope scope, string org = OrgStore.DefaultName, NewApiKey? spec = null)
    {
        var target = await appliance.Get<OrgStore>().FindAsync(org) ?? await appliance.Get<OrgStore>().CreateAsync(org);
        var created = await appliance.Get<ApiKeyStore>().CreateAsync(target.Id, spec ?? new NewApiKey($"{scope} key", scope));
        return created.FullKey;
    }

    public static async Task<JsonNode> UpsertContactAsync(this HttpClient client, string phone, string? email = null, string consent = "website_form")
    {
        var response = await client.PostJsonAsync("/api/v1/contacts", new { phone_e164 = phone, name = "Riya Sharma", email, consent_capture = consent });
        return (await response.ExpectAsync(200))["data"]!;
    }
}
