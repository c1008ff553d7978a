using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Json;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Testing;
using Dapper;

namespace Cualify.Appliance.Core.Tests.Contacts;

public sealed class ContactStoreTests
{
    [Theory, ClassData(typeof(StoreProviders))]
    public async Task Upsert_is_idempotent_on_the_normalised_number_and_writes_one_event_per_real_change(string provider)
    {
        await using var core = await CoreHarness.CreateAsync(provider);
        var org = await core.Get<OrgStore>().CreateAsync("acme");
        var contacts = core.Get<ContactStore>();

        var first = await contacts.UpsertAsync(org.Id, new ContactInput("+91 98123 45678", Name: "Riya Sharma", ConsentCapture: "website_form",
            Metadata: new JsonObject { ["lead_source"] = "google_ads" }));
        var same = await contacts.UpsertAsync(org.Id, new ContactInput("+919812345678", Name: "Riya Sharma"));
        var changed = await contacts.UpsertAsync(org.Id, new ContactInput("+919812345678", Email: "Riya@Example.com", Metadata: new JsonObject { ["stage"] = "mql" }));

        Assert.True(first.Created);
        Assert.False(same.Created);
        Assert.Equal(first.Contact.Id, same.Contact.Id);
        Assert.Equal(first.Contact.Id, changed.Contact.Id);
        Assert.Equal("+919812345678", changed.Contact.PhoneE164);
        Assert.Equal("website_form", changed.Contact.ConsentCapture);
        Assert.Equal("Riya Sharma", changed.Contact.Name);
        Assert.Equal("riya@example.com", changed.Contact.EmailNormalized);
        var metadata = JsonNode.Parse(changed.Contact.Metadata)!;
        Assert.Equal("google_ads", (string?)metadata["lead_source"]);
        Assert.Equal("mql", (string?)metadata["stage"]);

        var events = await core.Store.ReadAsync(c => c.QueryAsync<string>("SELECT type FROM events WHERE org_id = @Id ORDER BY seq", new { org.Id }));
        Assert.Equal(["contact.created", "contact.updated"], events);
        Assert.Equal(1, await core.Store.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT count(*) FROM contacts")));
    }

    [Theory, ClassData(typeof(StoreProviders))]
    public async Task Every_bad_field_is_named_at_once(string provider)
    {
        await using var core = await CoreHarness.CreateAsync(provider);
        var org = await core.Get<OrgStore>().CreateAsync("acme");
        var error = await Assert.ThrowsAsync<ApplianceException>(() => core.Get<ContactStore>().UpsertAsync(org.Id,
            new ContactInput("98123 45678", Email: "not-an-email", ConsentCapture: "sometime")));
        Assert.Equal(ErrorKind.Validation, error.Kind);
        var fields = (IDictionary<string, string[]>)error.Details!["fieldErrors"]!;
        Assert.Equal(["consent_capture", "email", "phone_e164"], fields.Keys.Order());
    }

    [Theory, ClassData(typeof(StoreProviders))]
    public async Task Erasure_removes_personal_data_but_the_number_and_address_stay_blocked(string provider)
    {
        await using var core = await CoreHarness.CreateAsync(provider);
        var org = await core.Get<OrgStore>().CreateAsync("acme");
        var contacts = core.Get<ContactStore>();
        var riya = (await contacts.UpsertAsync(org.Id, new ContactInput("+919812345678", Name: "Riya Sharma", Email: "riya@example.com", ConsentCapture: "manual"))).Contact;

        await contacts.EraseAsync(org.Id, riya.Id);

        Assert.Null(await contacts.GetAsync(org.Id, riya.Id));
        var dump = await core.Store.ReadAsync(async c => string.Join("\n",
            (await c.QueryAsync<string>("SELECT data FROM events")).Concat(await c.QueryAsync<string>("SELECT value_hash FROM do_not_contact"))));
        Assert.DoesNotContain("9812345678", dump);
        Assert.DoesNotContain("riya", dump, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Sharma", dump);

        var again = (await contacts.UpsertAsync(org.Id, new ContactInput("+91 98123 45678", Name: "R S", Email: "RIYA@example.com", ConsentCapture: "website_form"))).Contact;
        Assert.True(again.OptedOutVoice);
        Assert.True(again.OptedOutEmail);
        Assert.NotEqual(riya.Id, again.Id);

        var sameAddress = (await contacts.UpsertAsync(org.Id, new ContactInput("+91 98123 00000", Email: "riya@example.com"))).Contact;
        Assert.False(sameAddress.OptedOutVoice);
        Assert.True(sameAddress.OptedOutEmail);
    }

    [Theory, ClassData(typeof(StoreProviders))]
    public async Task A_batch_upsert_gives_each_row_what_a_single_upsert_would_with_the_do_not_contact_list_and_repeated_numbers(string provider)
    {
        await using var core = await CoreHarness.CreateAsync(provider);
        var acme = await core.Get<OrgStore>().CreateAsync("acme");
        var other = await core.Get<OrgStore>().CreateAsync("other");
        var contacts = core.Get<ContactStore>();
        var erased = (await contacts.UpsertAsync(acme.Id, new ContactInput("+919800000001", Email: "riya@example.com"))).Contact;
        await contacts.EraseAsync(acme.Id, erased.Id);
        var kept = (await contacts.UpsertAsync(acme.Id, new ContactInput("+919800000002", Name: "Kept"))).Contact;
        var blockedElsewhere = (await contacts.UpsertAsync(other.Id, new ContactInput("+919800000003"))).Contact;
        await contacts.OptOutAsync(other.Id, blockedElsewhere.Id, ContactChannel.All, null);

        ContactInput[] rows =
        [
            new("+919800000001", Email: "RIYA@example.com"), // erased: both channels blocked again
            new("+919800000004", Email: "riya@example.com"), // a new number with the erased address: email blocked only
            new("+919800000002", Name: "Kept"), // unchanged
            new("+919800000003", Metadata: new JsonObject { ["city"] = "Zürich", ["note"] = "<R&D>" }), // blocked in the other org, not in this one
            new("+919800000004", Name: "Second row"), // repeats row 2's number: updates the contact row 2 created
            new("+919800000002", Name: "Renamed"),
        ];
        var results = await core.Store.WriteAsync(tx => contacts.UpsertManyAsync(tx, acme.Id,
            rows.Select(r => ContactUpsert.Hashed(core.Store, ContactNormalizer.Normalize(r, phoneRequired: true))).ToList()));

        Assert.Equal([true, true, false, true, false, false], results.Select(r => r.Created));
        Assert.Equal([true, true, false, true, true, true], results.Select(r => r.Changed));
        Assert.Equal([true, false, false, false, false, false], results.Select(r => r.Contact.OptedOutVoice));
        Assert.Equal([true, true, false, false, true, false], results.Select(r => r.Contact.OptedOutEmail));
        Assert.Equal(results[1].Contact.Id, results[4].Contact.Id);
        Assert.Equal("Second row", results[4].Contact.Name);
        Assert.Equal(kept.Id, results[5].Contact.Id);
        Assert.Equal("Renamed", results[5].Contact.Name);

        var stored = await contacts.GetAsync(acme.Id, results[4].Contact.Id);
        Assert.Equal("Second row", stored!.Name);
        Assert.True(stored.OptedOutEmail);

        // What each row stored reads back as what the batch returned for it (the rows' values alternate between
        // text and null, which the batch's statements must bind afresh each time; its first row stays as it was inserted).
        foreach (var result in results.Where(r => r.Created))
        {
            var row = await contacts.GetAsync(acme.Id, result.Contact.Id);
            var expected = result.Contact.Id == results[1].Contact.Id ? results[4].Contact : result.Contact;
            Assert.Equal(ApplianceJson.Serialize<object>(ContactView.From(expected)), ApplianceJson.Serialize<object>(ContactView.From(row!)));
        }
        var events = await core.Store.ReadAsync(c => c.QueryAsync<string>(
            "SELECT type FROM events WHERE org_id = @Id AND seq > (SELECT max(seq) FROM events WHERE type = 'contact.deleted') ORDER BY seq", new { acme.Id }));
        Assert.Equal(["contact.created", "contact.created", "contact.created", "contact.created", "contact.updated", "contact.updated"], events);
        Assert.Equal(4, await core.Store.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT count(*) FROM contacts WHERE org_id = @Id", new { acme.Id })));

        // Each contact.created carries the contact as the API shows it, the same JSON a single upsert's event has.
        var created = await core.Store.ReadAsync(c => c.QueryAsync<string>(
            "SELECT data FROM events WHERE org_id = @Id AND type = 'contact.created' AND seq > (SELECT max(seq) FROM events WHERE type = 'contact.deleted') ORDER BY seq", new { acme.Id }));
        Assert.Equal(
            results.Where(r => r.Created).Select(r => ApplianceJson.Serialize<object>(ContactView.From(r.Contact))),
            created.Skip(1)); // the first is Kept's own upsert, before the batch
    }

    [Theory, ClassData(typeof(StoreProviders))]
    public async Task Opt_out_is_per_channel_and_a_foreign_org_sees_nothing(string provider)
    {
        await using var core = await CoreHarness.CreateAsync(provider);
        var acme = await core.Get<OrgStore>().CreateAsync("acme");
        var other = await core.Get<OrgStore>().CreateAsync("other");
        var contacts = core.Get<ContactStore>();
        var riya = (await contacts.UpsertAsync(acme.Id, new ContactInput("+919812345678", Email: "riya@example.com"))).Contact;

        var email = await contacts.OptOutAsync(acme.Id, riya.Id, ContactChannel.Email, "unsubscribe_link");
        Assert.True(email.OptedOutEmail);
        Assert.False(email.OptedOutVoice);
        Assert.Equal("unsubscribe_link", email.OptOutSource);

        var notFound = await Assert.ThrowsAsync<ApplianceException>(() => contacts.OptOutAsync(other.Id, riya.Id, ContactChannel.All, null));
        Assert.Equal(ErrorKind.NotFound, notFound.Kind);
        Assert.Null(await contacts.GetAsync(other.Id, riya.Id));
    }
}
