using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.LocalApi.Tests;

public sealed class ErrorEnvelopeTests
{
    [Fact]
    public async Task Malformed_json_wrong_types_and_missing_bodies_are_400_invalid_request()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();

        var malformed = await (await admin.PostRawAsync("/api/v1/contacts", "{\"phone_e164\": ")).ExpectErrorAsync(400, "invalid_request");
        Assert.Contains("Malformed JSON", (string?)malformed["message"]);
        await (await admin.PostRawAsync("/api/v1/contacts", "{\"phone_e164\": 12}")).ExpectErrorAsync(400, "invalid_request", "phone_e164");
        await (await admin.PostRawAsync("/api/v1/contacts", "")).ExpectErrorAsync(400, "invalid_request");
        await (await admin.PostAsync("/api/v1/contacts", new StringContent("phone=1", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded")))
            .ExpectErrorAsync(415, "invalid_request");
    }

    [Fact]
    public async Task Validation_failures_are_422_with_flattened_field_errors()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        var error = await (await appliance.AdminClient().PostJsonAsync("/api/v1/contacts",
            new { phone_e164 = "98123", email = "nope", consent_capture = "maybe" })).ExpectErrorAsync(422, "invalid_request");

        Assert.Equal("phone_e164 must be E.164 — e.g. +919812345678", (string?)error["message"]);
        var fields = error["details"]!["fieldErrors"]!.AsObject();
        Assert.Equal(["consent_capture", "email", "phone_e164"], fields.Select(f => f.Key).Order());
        Assert.Empty(error["details"]!["formErrors"]!.AsArray());
    }

    [Fact]
    public async Task Unknown_routes_and_methods_answer_in_the_envelope()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        await (await appliance.AdminClient().GetAsync("/api/v1/nothing-here")).ExpectErrorAsync(404, "not_found");
        await (await appliance.Client().GetAsync("/nothing-here")).ExpectErrorAsync(404, "not_found");
        await (await appliance.Client().GetAsync("/api/v1/nothing-here")).ExpectErrorAsync(401, "unauthorized");
        await (await appliance.AdminClient().PutAsync("/api/v1/contacts", null)).ExpectErrorAsync(405, "invalid_request");
    }

    [Fact]
    public async Task An_internal_failure_is_500_without_sql_or_stack_traces()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        await appliance.Get<ApplianceStore>().WriteAsync(tx => tx.ExecuteAsync("ALTER TABLE contacts RENAME TO contacts_gone"));

        var response = await appliance.AdminClient().GetAsync("/api/v1/contacts");
        var text = await response.Content.ReadAsStringAsync();
        var error = await response.ExpectErrorAsync(500, "internal_error");
        Assert.DoesNotContain("contacts", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("SQLite", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" at ", text);
        Assert.Null(error["details"]);
    }
}
