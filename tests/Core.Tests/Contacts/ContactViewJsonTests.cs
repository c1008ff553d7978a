using System.Text;
using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Json;

namespace Cualify.Appliance.Core.Tests.Contacts;

/// <summary>The import's <c>contact.created</c> data, written straight to UTF-8, is the serializer's bytes for the view.</summary>
public sealed class ContactViewJsonTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 3, 6, 30, 15, 123, TimeSpan.Zero);

    public static TheoryData<string> Metadata() =>
    [
        "{}",
        """{"region":"north"}""",
        """{"city":"Zürich","note":"<b>R&D</b> 'quoted' \"double\" back\\slash","emoji":"😀","tab":"a\tb"}""",
        """{"nested":{"list":[1,2.5,-3e2,true,false,null,"x"]},"empty":"","plus":"+91"}""",
        """{"control":"\u0001\u001f","line":"one\ntwo","unicode_escape":"\u00e9\u2028"}""",
    ];

    [Theory, MemberData(nameof(Metadata))]
    public void The_event_json_is_byte_for_byte_what_the_serializer_writes_for_the_view(string metadata)
    {
        // Stored metadata is what the insert writes: the parsed object's ToJsonString().
        var stored = JsonNode.Parse(metadata)!.AsObject().ToJsonString();
        Contact[] contacts =
        [
            Contact(stored, optedOutVoice: false, optedOutEmail: false, consent: null, notes: null),
            Contact(stored, optedOutVoice: true, optedOutEmail: true, consent: "imported", notes: "said \"call after 6\" — ok <3"),
            Contact(stored, optedOutVoice: false, optedOutEmail: true, consent: "website_form", notes: ""),
        ];
        using var writer = new ContactViewJson();

        foreach (var contact in contacts)
        {
            var expected = ApplianceJson.Serialize<object>(ContactView.From(contact));
            Assert.Equal(expected, Encoding.UTF8.GetString(writer.Write(contact)));
        }
    }

    [Fact]
    public void A_contact_with_only_a_number_and_a_later_timestamp_writes_nulls_and_the_new_time()
    {
        using var writer = new ContactViewJson();
        writer.Write(Contact("{}", optedOutVoice: false, optedOutEmail: false, consent: "manual", notes: null));
        var later = new Contact { Id = "ct_2", OrgId = "org_1", PhoneE164 = "+12025550123", CreatedAt = At.AddSeconds(1), UpdatedAt = At.AddSeconds(1) };

        var json = Encoding.UTF8.GetString(writer.Write(later));

        Assert.Equal(ApplianceJson.Serialize<object>(ContactView.From(later)), json);
        Assert.Contains("\"name\":null", json);
        Assert.Contains("\"created_at\":\"2026-12-03T06:30:16Z\"", json);
    }

    private static Contact Contact(string metadata, bool optedOutVoice, bool optedOutEmail, string? consent, string? notes) => new()
    {
        Id = "ct_1",
        OrgId = "org_1",
        PhoneE164 = "+919812345678",
        Name = "Riya Ş. \"R\" <Sharma>",
        FirstName = "Riya",
        LastName = "Sharma",
        Email = "riya+leads@example.com",
        EmailNormalized = "riya+leads@example.com",
        LanguagePref = "hi-IN",
        Notes = notes,
        Metadata = metadata,
        ConsentCapture = consent,
        ConsentAt = consent is null ? null : At,
        OptedOutVoice = optedOutVoice,
        OptedOutEmail = optedOutEmail,
        OptedOutAt = optedOutVoice || optedOutEmail ? At : null,
        OptOutSource = optedOutVoice || optedOutEmail ? "do_not_contact_list" : null,
        CreatedAt = At,
        UpdatedAt = At,
    };
}
