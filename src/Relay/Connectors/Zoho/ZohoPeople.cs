namespace Cualify.Appliance.Relay.Connectors.Zoho;

/// <summary>
/// The Zoho record a person's calls and emails are linked to: a Contact found by email or phone, else (when it may
/// create) one upserted into <c>options.create_as</c> with <c>duplicate_check_fields</c>, so a repeat finds the same.
/// </summary>
internal sealed class ZohoPeople(ZohoApi api)
{
    /// <summary>Contacts first, then Leads; null when neither holds the person.</summary>
    public async Task<(string Module, string Id)?> FindAsync(ZohoApi.Session session, SyncContact contact, CancellationToken cancellationToken)
    {
        foreach (var module in new[] { "Contacts", "Leads" })
        {
            if (await SearchAsync(session, module, contact, cancellationToken) is { } id)
            {
                return (module, id);
            }
        }

        return null;
    }

    public async Task<(string Module, string Id)> FindOrUpsertAsync(ZohoApi.Session session, SyncContact contact, CancellationToken cancellationToken)
    {
        if (await SearchAsync(session, "Contacts", contact, cancellationToken) is { } contactId)
        {
            return ("Contacts", contactId);
        }

        var (value, field) = contact.Email is { } email ? (email, "Email") : (contact.PhoneE164!, "Phone");
        var module = session.Options.CreateAs;
        var record = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Last_Name"] = contact.LastName ?? contact.FirstName ?? value,
            [field] = value,
        };
        if (contact.FirstName is { } first && contact.LastName is not null)
        {
            record["First_Name"] = first;
        }

        if (contact.PhoneE164 is { } phone)
        {
            record["Phone"] = phone;
        }

        if (module == "Leads")
        {
            record["Company"] = string.Join(' ', new[] { contact.FirstName, contact.LastName }.Where(n => n is not null)) is { Length: > 0 } name ? name : value;
        }

        var entry = (await api.SendAsync(session, HttpMethod.Post, $"{module}/upsert", new { data = new[] { record }, duplicate_check_fields = new[] { field } }, cancellationToken))
            .Require($"upserting {module}").First;
        return entry?["code"]?.ToString() == "SUCCESS" && entry["details"]?["id"]?.ToString() is { } id
            ? (module, id)
            : throw new CrmRefusedException(400, $"Zoho refused the {module} record: {entry?["message"] ?? entry?["code"]}");
    }

    private async Task<string?> SearchAsync(ZohoApi.Session session, string module, SyncContact contact, CancellationToken cancellationToken)
    {
        var (param, value) = contact.Email is { } email ? ("email", email) : ("phone", contact.PhoneE164!);
        var found = await api.SendAsync(session, HttpMethod.Get, $"{module}/search?{param}={Uri.EscapeDataString(value)}", null, cancellationToken);
        return found.Require($"searching {module}").First?["id"]?.ToString();
    }
}
