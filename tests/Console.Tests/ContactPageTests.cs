using System.Text.Json.Nodes;
using Cualify.Appliance.OperatorConsole.Tests.Support;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Testing;
using Microsoft.Playwright;

namespace Cualify.Appliance.OperatorConsole.Tests;

/// <summary>Contacts in Chromium: filters and pages, personal data masked below admin, opt-out through the store.</summary>
public sealed class ContactPageTests(ConsoleFixture fixture) : ConsoleTest(fixture)
{
    private ConsoleHarness Harness => Fixture.Harness;

    [Fact]
    public async Task Contacts_filter_and_page_are_masked_for_a_read_key_and_shown_to_an_admin_who_can_opt_one_out()
    {
        var tag = "List" + Guid.NewGuid().ToString("N")[..8];
        var numbers = new[] { "+919812370011", "+919812370022", "+919812370033" };
        foreach (var number in numbers)
        {
            await (await Harness.Admin.PostJsonAsync("/api/v1/contacts", new JsonObject { ["phone_e164"] = number, ["name"] = $"{tag} Person", ["consent_capture"] = "manual" })).ExpectAsync(200);
        }

        var reader = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, await Harness.KeyAsync(Scope.Read));
        await reader.GotoAsync($"/console/contacts?search={tag}&limit=2");
        var rows = reader.GetByRole(AriaRole.Table, new() { Name = "Contacts" }).Locator("tbody tr[data-contact]");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        var text = await reader.Locator("main").InnerTextAsync();
        Assert.DoesNotContain(tag, text, StringComparison.Ordinal);
        Assert.DoesNotContain(numbers, n => text.Contains(n, StringComparison.Ordinal));
        Assert.Contains("+91********33", text, StringComparison.Ordinal);
        Assert.Equal(0, await reader.Locator("main form[method='post']").CountAsync());
        await reader.GetByRole(AriaRole.Link, new() { Name = "Next" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        Assert.Contains("+91********11", await reader.Locator("main").InnerTextAsync(), StringComparison.Ordinal);

        var admin = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, await Harness.KeyAsync(Scope.Admin));
        await admin.GotoAsync($"/console/contacts?search={tag}");
        await Assertions.Expect(admin.Locator("tbody tr[data-contact]")).ToHaveCountAsync(3);
        var shown = admin.GetByRole(AriaRole.Table, new() { Name = "Contacts" });
        await Assertions.Expect(shown).ToContainTextAsync("+919812370022");
        await Assertions.Expect(shown).ToContainTextAsync($"{tag} Person");
        await Screenshots.SaveAsync(admin, "contacts-admin");

        var row = shown.Locator("tr[data-contact]", new() { HasText = "+919812370022" });
        var contactId = await row.GetAttributeAsync("data-contact");
        await row.GetByRole(AriaRole.Button, new() { Name = "Opt out" }).ClickAsync();
        await admin.ArrivesAtAsync($"**/console/contacts?search={tag}");
        var contact = await Harness.Appliance.Get<ContactStore>().GetAsync((await Harness.OrgAsync()).Id, contactId!);
        Assert.True(contact!.OptedOutVoice && contact.OptedOutEmail);
        Assert.Equal("console", contact.OptOutSource);

        await admin.GotoAsync($"/console/contacts?search={tag}&opted_out=true");
        await Assertions.Expect(admin.Locator("tbody tr[data-contact]")).ToHaveCountAsync(1);
    }
}
