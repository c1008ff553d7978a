using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Cualify.Appliance.Relay.Connectors.Zoho;

/// <summary>
/// Writes a batch of calls into Zoho CRM: each call whose earlier attempt had an unknown outcome is searched for first
/// (by <c>options.external_id_field</c>, else by its subject); each person is found among Contacts by email or phone,
/// else upserted into <c>options.create_as</c> with <c>duplicate_check_fields</c>; then the calls are inserted with
/// one <c>{"data":[…]}</c> request of up to 100 records, each linked by <c>Who_Id</c> (a contact) or <c>What_Id</c> +
/// <c>$se_module</c> (a lead). Requests run at most <c>options.concurrency</c> at a time.
/// </summary>
internal sealed class ZohoWriter(ZohoApi api, ConnectorStore connectors) : ICrmWriter
{
    public string Kind => ConnectorKinds.Zoho;

    public async Task<BatchResult> WriteAsync(ConnectorBatch batch, CancellationToken cancellationToken)
    {
        var session = new ZohoApi.Session(batch.Connector, connectors.CredentialsOf(batch.Connector), batch.Connector.ParsedOptions);
        var outcomes = new ConcurrentDictionary<string, SyncOutcome>(StringComparer.Ordinal);
        string? lastError = null;
        var authFailed = false;
        try
        {
            await Task.WhenAll(batch.Jobs.Where(j => j.OutcomeUnknown).Select(j => LookUpAsync(session, j, outcomes, cancellationToken)));
            var open = batch.Jobs.Where(j => !outcomes.ContainsKey(j.SyncId)).ToList();
            var people = new ConcurrentDictionary<string, (string Module, string Id)?>(StringComparer.Ordinal);
            await Task.WhenAll(open.Select(j => Key(j)).Where(k => k is not null).Distinct().Select(async key =>
                people[key!] = await PersonAsync(session, open.First(j => Key(j) == key).Contact!, cancellationToken)));
            var ready = new List<(SyncJob Job, (string Module, string Id) Person)>();
            foreach (var job in open)
            {
                if (Key(job) is { } key && people.GetValueOrDefault(key) is { } person)
                {
                    ready.Add((job, person));
                }
                else
                {
                    outcomes[job.SyncId] = new SyncOutcome(job.SyncId, SyncEnd.Failed, null, "the call has no contact with an email or phone to link it to in Zoho");
                }
            }

            if (ready.Count > 0)
            {
                await InsertAsync(session, ready, outcomes, cancellationToken);
            }
        }
        catch (CrmAuthFailedException ex)
        {
            authFailed = true;
            lastError = ex.Message;
            Rest(batch, outcomes, SyncEnd.Requeue, ex.Message);
        }
        catch (CrmRateLimitedException ex)
        {
            lastError = ex.Message;
            Rest(batch, outcomes, SyncEnd.Requeue, ex.Message, ex.Wait);
        }
        catch (CrmOutcomeUnknownException ex)
        {
            lastError = ex.Message;
            Rest(batch, outcomes, SyncEnd.Retry, ex.Message);
        }
        catch (CrmRefusedException ex)
        {
            lastError = ex.Message;
            Rest(batch, outcomes, ex.Transient ? SyncEnd.Retry : SyncEnd.Failed, ex.Message);
        }

        lastError ??= outcomes.Values.FirstOrDefault(o => o.End != SyncEnd.Synced)?.Error;
        return new BatchResult(batch, batch.Jobs.Select(j => outcomes[j.SyncId]).ToList(),
            new ConnectorHealth(lastError, null, session.TokenExpiresAt, authFailed, TokenRefreshes: session.TokenRefreshes));
    }

    private static string? Key(SyncJob job) => job.Contact?.Email?.ToLowerInvariant() ?? job.Contact?.PhoneE164;

    private async Task LookUpAsync(ZohoApi.Session session, SyncJob job, ConcurrentDictionary<string, SyncOutcome> outcomes, CancellationToken cancellationToken)
    {
        var criteria = session.Options.ExternalIdField is { } field ? ZohoRecords.Criteria(field, job.ObjectId) : ZohoRecords.Criteria("Subject", ZohoRecords.Subject(job));
        var answer = await api.SendAsync(session, HttpMethod.Get, $"Calls/search?criteria={Uri.EscapeDataString(criteria)}", null, cancellationToken);
        Require(answer, "searching Calls");
        if (answer.Body?["data"]?.AsArray().FirstOrDefault()?["id"]?.ToString() is { } id)
        {
            outcomes[job.SyncId] = new SyncOutcome(job.SyncId, SyncEnd.Synced, id, null);
        }
    }

    /// <summary>The person's Zoho record: a contact found by email or phone, else one upserted into <c>create_as</c>.</summary>
    private async Task<(string Module, string Id)?> PersonAsync(ZohoApi.Session session, SyncContact contact, CancellationToken cancellationToken)
    {
        var (param, value, field) = contact.Email is { } email ? ("email", email, "Email") : ("phone", contact.PhoneE164!, "Phone");
        var found = await api.SendAsync(session, HttpMethod.Get, $"Contacts/search?{param}={Uri.EscapeDataString(value)}", null, cancellationToken);
        Require(found, "searching Contacts");
        if (found.Body?["data"]?.AsArray().FirstOrDefault()?["id"]?.ToString() is { } contactId)
        {
            return ("Contacts", contactId);
        }

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

        var upsert = await api.SendAsync(session, HttpMethod.Post, $"{module}/upsert", new { data = new[] { record }, duplicate_check_fields = new[] { field } }, cancellationToken);
        Require(upsert, $"upserting {module}");
        var entry = upsert.Body?["data"]?.AsArray().FirstOrDefault();
        return entry?["code"]?.ToString() == "SUCCESS" && entry["details"]?["id"]?.ToString() is { } id
            ? (module, id)
            : throw new CrmRefusedException(400, $"Zoho refused the {module} record: {entry?["message"] ?? entry?["code"]}");
    }

    private async Task InsertAsync(ZohoApi.Session session, List<(SyncJob Job, (string Module, string Id) Person)> ready, ConcurrentDictionary<string, SyncOutcome> outcomes, CancellationToken cancellationToken)
    {
        var answer = await api.SendAsync(session, HttpMethod.Post, "Calls", new { data = ready.Select(r => ZohoRecords.Call(r.Job, session.Options, r.Person)).ToArray() }, cancellationToken);
        Require(answer, "inserting Calls");
        // Zoho answers each record in the order it was sent.
        var results = answer.Body?["data"]?.AsArray() ?? [];
        for (var i = 0; i < ready.Count; i++)
        {
            var job = ready[i].Job;
            var result = i < results.Count ? results[i] : null;
            outcomes[job.SyncId] = result?["code"]?.ToString() == "SUCCESS" && result["details"]?["id"]?.ToString() is { } id
                ? new SyncOutcome(job.SyncId, SyncEnd.Synced, id, null)
                : result?["status"]?.ToString() == "error"
                    ? new SyncOutcome(job.SyncId, SyncEnd.Failed, null, $"Zoho refused the call: {result["code"]} {result["message"]} {result["details"]?.ToJsonString()}")
                    : new SyncOutcome(job.SyncId, SyncEnd.Retry, null, "Zoho did not confirm this call in its answer");
        }
    }

    private static void Require(ZohoAnswer answer, string what)
    {
        if (answer.Status is < 200 or >= 300)
        {
            var code = answer.Body?["code"]?.ToString() ?? answer.Body?["data"]?[0]?["code"]?.ToString();
            throw new CrmRefusedException(answer.Status, $"Zoho answered {answer.Status} {what}: {code} {answer.Body?["message"] ?? answer.Body?["data"]?[0]?["message"]}");
        }
    }

    private static void Rest(ConnectorBatch batch, ConcurrentDictionary<string, SyncOutcome> outcomes, SyncEnd end, string error, TimeSpan? wait = null)
    {
        foreach (var job in batch.Jobs.Where(j => !outcomes.ContainsKey(j.SyncId)))
        {
            outcomes[job.SyncId] = new SyncOutcome(job.SyncId, end, null, error, wait);
        }
    }
}
