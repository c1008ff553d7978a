using Cualify.Appliance.Testing;

namespace Cualify.Appliance.LocalApi.Tests;

public sealed class ContactApiTests
{
    [Fact]
    public async Task Formatted_and_e164_forms_of_a_number_are_one_contact()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();
        var a = await admin.UpsertContactAsync("+91 98123 45678");
        var b = await admin.UpsertContactAsync("+919812345678");

        Assert.Equal((string?)a["id"], (string?)b["id"]);
        Assert.Equal("+919812345678", (string?)b["phone_e164"]);
        var list = await (await admin.GetAsync("/api/v1/contacts?search=98123")).ExpectAsync(200);
        Assert.Equal(1, (int)list["pagination"]!["total"]!);
    }

    [Fact]
    public async Task Erasure_removes_the_person_but_keeps_the_number_blocked()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();
        var riya = await admin.UpsertContactAsync("+919812345678", "riya@example.com");
        var id = (string)riya["id"]!;

        var deleted = await (await admin.DeleteAsync($"/api/v1/contacts/{id}")).ExpectAsync(200);
        Assert.True((bool)deleted["data"]!["deleted"]!);
        await (await admin.GetAsync($"/api/v1/contacts/{id}")).ExpectErrorAsync(404, "not_found");

        var back = await admin.UpsertContactAsync("+91 98123 45678");
        Assert.True((bool)back["opted_out"]!);
        Assert.Contains("voice", back["opted_out_channels"]!.AsArray().Select(c => (string?)c));
        var optedOut = await (await admin.GetAsync("/api/v1/contacts?opted_out=true")).ExpectAsync(200);
        Assert.Equal(1, (int)optedOut["pagination"]!["total"]!);
    }

    [Fact]
    public async Task Opt_out_names_a_bad_channel_and_records_a_good_one()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();
        var id = (string)(await admin.UpsertContactAsync("+919812345678", "riya@example.com"))["id"]!;

        await (await admin.PostJsonAsync($"/api/v1/contacts/{id}/opt-out", new { channel = "sms" })).ExpectErrorAsync(422, "invalid_request", "channel");
        var opted = await (await admin.PostJsonAsync($"/api/v1/contacts/{id}/opt-out", new { channel = "email", source = "crm" })).ExpectAsync(200);
        Assert.Equal(["email"], opted["data"]!["opted_out_channels"]!.AsArray().Select(c => (string?)c));
    }
}
