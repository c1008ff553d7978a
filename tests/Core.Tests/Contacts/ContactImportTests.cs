using System.Text;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Contacts.Import;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Dapper;

namespace Cualify.Appliance.Core.Tests.Contacts;

public sealed class ContactImportTests
{
    [Fact]
    public async Task An_import_hashes_numbers_and_addresses_to_the_digests_the_do_not_contact_list_keeps()
    {
        await using var core = await CoreHarness.CreateAsync(StoreProvider.Sqlite);
        using var digests = new DoNotContactDigests(core.Store);

        // Twice each, so a context reused after its first hash must still give the same answer.
        foreach (var _ in new[] { 1, 2 })
        {
            Assert.Equal(DoNotContactList.Digest(core.Store, ContactChannel.Voice, "+919812345678"), digests.Digest(ContactChannel.Voice, "+919812345678"));
            Assert.Equal(DoNotContactList.Digest(core.Store, ContactChannel.Email, "riya@example.com"), digests.Digest(ContactChannel.Email, " Riya@Example.COM "));
        }

        Assert.NotEqual(digests.Digest(ContactChannel.Voice, "+919812345678"), digests.Digest(ContactChannel.Voice, "+919812345679"));
    }

    [Theory, ClassData(typeof(StoreProviders))]
    public async Task An_erased_contact_leaves_every_import_it_came_in_and_the_other_rows_stay(string provider)
    {
        await using var core = await CoreHarness.CreateAsync(provider);
        var org = await core.Get<OrgStore>().CreateAsync("acme");
        var imports = core.Get<ContactImports>();
        const string file = "phone_e164,name,consent_capture\n+919812345678,Riya Sharma,manual\n+919812345679,Arjun Rao,manual\n";
        var first = await ImportAsync(imports, org.Id, file);
        var second = await ImportAsync(imports, org.Id, file);
        Assert.Equal(2, first.Created);
        Assert.Equal(0, second.Created);
        var contacts = core.Get<ContactStore>();
        var riya = (await contacts.ListAsync(org.Id, new ContactFilter(Search: "Riya"), Core.Paging.PageRequest.Default)).Items.Single();

        await contacts.EraseAsync(org.Id, riya.Id);

        var rows = await core.Store.ReadAsync(c => c.QueryAsync<(string ImportId, string ContactId)>(
            "SELECT import_id, contact_id FROM contact_import_rows"));
        var arjun = (await contacts.ListAsync(org.Id, new ContactFilter(Search: "Arjun"), Core.Paging.PageRequest.Default)).Items.Single();
        Assert.Equal(new[] { (first.Id, arjun.Id), (second.Id, arjun.Id) }.Order(), rows.Order());
    }

    private static async Task<ContactImport> ImportAsync(ContactImports imports, string orgId, string csv)
    {
        var begun = await imports.BeginAsync(orgId, new MemoryStream(Encoding.UTF8.GetBytes(csv)), "cli");
        var done = await imports.RunAsync(begun.Id);
        Assert.Equal(ContactImportStatus.Completed, done.Status);
        return done;
    }
}
