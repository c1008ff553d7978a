using System.Text.Json.Nodes;
using PhoneNumbers;

namespace Cualify.Appliance.Relay.Connectors.HubSpot;

/// <summary>
/// Finds the HubSpot contact of each record: by email with one batch upsert (<c>idProperty=email</c>) per 100
/// addresses, or by phone with one search whose OR groups cover the normalised phone properties (<c>phone</c>,
/// <c>mobilephone</c> as E.164 and <c>hs_searchable_calculated_phone_number</c> as the national number, both from
/// libphonenumber); missing ones are created when <c>options.create_contacts</c> allows. Names are set only on
/// contacts this creates, never over what the CRM already holds.
/// </summary>
internal sealed class HubSpotContacts(HubSpotApi api)
{
    private const int PhonesPerSearch = 50;
    private static readonly PhoneNumberUtil Phones = PhoneNumberUtil.GetInstance();

    /// <returns>HubSpot contact id per sync id (absent: no contact, and none may be created).</returns>
    public async Task<Dictionary<string, string>> ResolveAsync(HubSpotApi.Session session, IReadOnlyList<SyncJob> jobs, bool mayCreate, CancellationToken cancellationToken)
    {
        var resolved = new Dictionary<string, string>(StringComparer.Ordinal);
        var byEmail = jobs.Where(j => j.Contact?.Email is not null).GroupBy(j => j.Contact!.Email!.Trim().ToLowerInvariant()).ToList();
        foreach (var chunk in byEmail.Chunk(100))
        {
            var ids = await ByEmailAsync(session, chunk.Select(g => (g.Key, g.First().Contact!)).ToList(), mayCreate, cancellationToken);
            foreach (var group in chunk.Where(g => ids.ContainsKey(g.Key)))
            {
                foreach (var job in group)
                {
                    resolved[job.SyncId] = ids[group.Key];
                }
            }
        }

        var byPhone = jobs.Where(j => j.Contact?.Email is null && Normalise(j.Contact?.PhoneE164) is not null)
            .GroupBy(j => Normalise(j.Contact!.PhoneE164)!).ToList();
        foreach (var chunk in byPhone.Chunk(PhonesPerSearch))
        {
            var ids = await ByPhoneAsync(session, chunk.Select(g => (g.Key, g.First().Contact!)).ToList(), mayCreate, cancellationToken);
            foreach (var group in chunk.Where(g => ids.ContainsKey(g.Key)))
            {
                foreach (var job in group)
                {
                    resolved[job.SyncId] = ids[group.Key];
                }
            }
        }

        return resolved;
    }

    /// <summary>E.164 as libphonenumber formats it, or null when the text is no valid number.</summary>
    public static string? Normalise(string? phone, string region = "ZZ")
    {
        if (string.IsNullOrWhiteSpace(phone))
        {
            return null;
        }

        try
        {
            var parsed = Phones.Parse(phone, region);
            return Phones.IsValidNumber(parsed) ? Phones.Format(parsed, PhoneNumberFormat.E164) : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }

    private async Task<Dictionary<string, string>> ByEmailAsync(HubSpotApi.Session session, List<(string Email, SyncContact Contact)> contacts, bool mayCreate, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!mayCreate)
        {
            var read = await api.SendAsync(session, HttpMethod.Post, $"{session.ObjectsPath("contacts")}/batch/read", new
            {
                idProperty = "email",
                properties = new[] { "email" },
                inputs = contacts.Select(c => new { id = c.Email }).ToArray(),
            }, search: false, cancellationToken);
            HubSpotWriter.RequireBatchAnswer(read, "reading contacts by email");
            foreach (var result in Results(read.Body))
            {
                if (Prop(result, "email") is { } email && Id(result) is { } id)
                {
                    found[email.ToLowerInvariant()] = id;
                }
            }

            return found;
        }

        var upsert = await api.SendAsync(session, HttpMethod.Post, $"{session.ObjectsPath("contacts")}/batch/upsert", new
        {
            inputs = contacts.Select(c => new { idProperty = "email", id = c.Email, properties = new Dictionary<string, string> { ["email"] = c.Email } }).ToArray(),
        }, search: false, cancellationToken);
        HubSpotWriter.RequireBatchAnswer(upsert, "upserting contacts by email");
        var created = new List<(string Id, SyncContact Contact)>();
        foreach (var result in Results(upsert.Body))
        {
            if (Prop(result, "email") is not { } email || Id(result) is not { } id)
            {
                continue;
            }

            found[email.ToLowerInvariant()] = id;
            if (result["new"]?.GetValue<bool>() == true && contacts.FirstOrDefault(c => c.Email == email.ToLowerInvariant()) is { Contact: { } contact })
            {
                created.Add((id, contact));
            }
        }

        var named = created.Select(c => new { id = c.Id, properties = NewContactProperties(c.Contact, includeEmail: false) }).Where(c => c.properties.Count > 0).ToArray();
        if (named.Length > 0)
        {
            // Only contacts this upsert created get our names and number.
            await api.SendAsync(session, HttpMethod.Post, $"{session.ObjectsPath("contacts")}/batch/update", new { inputs = named }, search: false, cancellationToken);
        }

        return found;
    }

    private async Task<Dictionary<string, string>> ByPhoneAsync(HubSpotApi.Session session, List<(string Phone, SyncContact Contact)> contacts, bool mayCreate, CancellationToken cancellationToken)
    {
        var e164 = contacts.Select(c => c.Phone).ToArray();
        var national = contacts.Select(c => Phones.Parse(c.Phone, "ZZ").NationalNumber.ToString(System.Globalization.CultureInfo.InvariantCulture)).Distinct().ToArray();
        var search = await api.SendAsync(session, HttpMethod.Post, $"{session.ObjectsPath("contacts")}/search", new
        {
            filterGroups = new object[]
            {
                new { filters = new[] { new { propertyName = "phone", @operator = "IN", values = e164 } } },
                new { filters = new[] { new { propertyName = "mobilephone", @operator = "IN", values = e164 } } },
                new { filters = new[] { new { propertyName = "hs_searchable_calculated_phone_number", @operator = "IN", values = national } } },
            },
            properties = new[] { "phone", "mobilephone", "hs_searchable_calculated_phone_number" },
            sorts = new[] { new { propertyName = "createdate", direction = "ASCENDING" } },
            limit = 200,
        }, search: true, cancellationToken);
        HubSpotWriter.RequireBatchAnswer(search, "searching contacts by phone");
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var result in Results(search.Body))
        {
            if (Id(result) is not { } id)
            {
                continue;
            }

            foreach (var (phone, _) in contacts.Where(c => !found.ContainsKey(c.Phone)))
            {
                var region = Phones.GetRegionCodeForNumber(Phones.Parse(phone, "ZZ"));
                var nationalNumber = Phones.Parse(phone, "ZZ").NationalNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (Normalise(Prop(result, "phone"), region) == phone || Normalise(Prop(result, "mobilephone"), region) == phone
                    || Prop(result, "hs_searchable_calculated_phone_number") == nationalNumber)
                {
                    found[phone] = id;
                }
            }
        }

        var missing = contacts.Where(c => !found.ContainsKey(c.Phone)).ToList();
        if (missing.Count > 0 && mayCreate)
        {
            var create = await api.SendAsync(session, HttpMethod.Post, $"{session.ObjectsPath("contacts")}/batch/create", new
            {
                inputs = missing.Select(c => new { properties = NewContactProperties(c.Contact with { PhoneE164 = c.Phone }, includeEmail: false) }).ToArray(),
            }, search: false, cancellationToken);
            HubSpotWriter.RequireBatchAnswer(create, "creating contacts");
            foreach (var result in Results(create.Body))
            {
                if (Normalise(Prop(result, "phone")) is { } phone && Id(result) is { } id)
                {
                    found[phone] = id;
                }
            }
        }

        return found;
    }

    private static Dictionary<string, string> NewContactProperties(SyncContact contact, bool includeEmail)
    {
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        if (includeEmail && contact.Email is { } email)
        {
            properties["email"] = email;
        }

        if (contact.FirstName is { } first)
        {
            properties["firstname"] = first;
        }

        if (contact.LastName is { } last)
        {
            properties["lastname"] = last;
        }

        if (contact.PhoneE164 is { } phone)
        {
            properties["phone"] = phone;
        }

        return properties;
    }

    internal static IEnumerable<JsonNode> Results(JsonNode body) => body["results"]?.AsArray().Where(r => r is not null).Select(r => r!) ?? [];

    internal static string? Id(JsonNode result) => result["id"]?.ToString();

    internal static string? Prop(JsonNode result, string name) => result["properties"]?[name]?.ToString();
}
