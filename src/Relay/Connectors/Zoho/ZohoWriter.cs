using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Cualify.Appliance.Relay.Connectors.Zoho;

/// <summary>
/// Writes a batch of syncs into Zoho CRM. A call whose earlier attempt had an unknown outcome is searched for first
/// (by <c>options.external_id_field</c>, else by its subject), an email by its Message-ID among the person's Notes.
/// Each person is found among Contacts by email or phone, else upserted into <c>options.create_as</c> (an opt-out
/// only looks, in Contacts then Leads). Then calls go in as <c>Calls</c> and sent emails and replies as <c>Notes</c>
/// on the person, each with one <c>{"data":[…]}</c> request of up to 100 records, and an opt-out sets
/// <c>options.opt_out_property</c> (a checkbox such as <c>Email_Opt_Out</c>) with one update per module. Requests run
/// at most <c>options.concurrency</c> at a time.
/// </summary>
internal sealed class ZohoWriter(ZohoApi api, ZohoPeople people, ConnectorStore connectors, TimeProvider time) : ICrmWriter
{
    public string Kind => ConnectorKinds.Zoho;

    public async Task<BatchResult> WriteAsync(ConnectorBatch batch, CancellationToken cancellationToken)
    {
        var session = new ZohoApi.Session(batch.Connector, connectors.CredentialsOf(batch.Connector), batch.Connector.ParsedOptions);
        var outcomes = new ConcurrentDictionary<string, SyncOutcome>(StringComparer.Ordinal);
        string? lastError = null;
        var authFailed = false;
        DateTimeOffset? holdUntil = null;
        try
        {
            await Task.WhenAll(batch.Jobs.Where(j => j.OutcomeUnknown && j.Object == "call").Select(j => LookUpCallAsync(session, j, outcomes, cancellationToken)));
            var open = batch.Jobs.Where(j => !outcomes.ContainsKey(j.SyncId)).ToList();
            var persons = await PeopleAsync(session, open, cancellationToken);
            var ready = new List<(SyncJob Job, (string Module, string Id) Person)>();
            foreach (var job in open)
            {
                if (persons.TryGetValue(job.SyncId, out var person))
                {
                    ready.Add((job, person));
                }
                else
                {
                    outcomes[job.SyncId] = new SyncOutcome(job.SyncId, SyncEnd.Failed, null, job.Object == "contact"
                        ? "no Zoho contact or lead has this contact's email or phone"
                        : $"the {job.Object} has no contact with an email or phone to link it to in Zoho");
                }
            }

            await LookUpNotesAsync(session, ready.Where(r => r.Job.Object == "email" && r.Job.OutcomeUnknown).ToList(), outcomes, cancellationToken);
            ready.RemoveAll(r => outcomes.ContainsKey(r.Job.SyncId));
            await InsertAsync(session, "Calls", ready.Where(r => r.Job.Object == "call").Select(r => (r.Job, (object)ZohoRecords.Call(r.Job, session.Options, r.Person))).ToList(), outcomes, cancellationToken);
            await InsertAsync(session, "Notes", ready.Where(r => r.Job.Object == "email").Select(r => (r.Job, (object)ZohoRecords.Note(r.Job, r.Person))).ToList(), outcomes, cancellationToken);
            await OptOutAsync(session, ready.Where(r => r.Job.Object == "contact").ToList(), outcomes, cancellationToken);
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
            session.RateLimited();
            // The whole connector waits, not only this batch's syncs: the next batch would meet the same limit.
            holdUntil = time.GetUtcNow() + ex.Wait;
            Rest(batch, outcomes, SyncEnd.Requeue, ex.Message, ex.Wait);
        }
        catch (CrmOutcomeUnknownException ex)
        {
            lastError = ex.Message;
            Rest(batch, outcomes, SyncEnd.Unknown, ex.Message);
        }
        catch (CrmRefusedException ex)
        {
            lastError = ex.Message;
            Rest(batch, outcomes, ex.End, ex.Message);
        }

        lastError ??= outcomes.Values.FirstOrDefault(o => o.End != SyncEnd.Synced)?.Error;
        return new BatchResult(batch, batch.Jobs.Select(j => outcomes[j.SyncId]).ToList(),
            new ConnectorHealth(lastError, null, session.TokenExpiresAt, authFailed, RateLimitWaits: session.RateLimitWaits, TokenRefreshes: session.TokenRefreshes, HoldUntil: holdUntil));
    }

    private static string? Key(SyncJob job) => job.Contact?.Email?.ToLowerInvariant() ?? job.Contact?.PhoneE164;

    private async Task LookUpCallAsync(ZohoApi.Session session, SyncJob job, ConcurrentDictionary<string, SyncOutcome> outcomes, CancellationToken cancellationToken)
    {
        var criteria = session.Options.ExternalIdField is { } field ? ZohoRecords.Criteria(field, job.ObjectId) : ZohoRecords.Criteria("Subject", ZohoRecords.Subject(job));
        var answer = await api.SendAsync(session, HttpMethod.Get, $"Calls/search?criteria={Uri.EscapeDataString(criteria)}", null, cancellationToken);
        if (answer.Require("searching Calls").First?["id"]?.ToString() is { } id)
        {
            outcomes[job.SyncId] = new SyncOutcome(job.SyncId, SyncEnd.Synced, id, null);
        }
    }

    /// <summary>Each person once: calls and emails may create them, an opt-out only looks.</summary>
    private async Task<Dictionary<string, (string Module, string Id)>> PeopleAsync(ZohoApi.Session session, List<SyncJob> jobs, CancellationToken cancellationToken)
    {
        var groups = jobs.Where(j => Key(j) is not null).GroupBy(j => (LookOnly: j.Object == "contact", Key: Key(j)!)).ToList();
        var found = await Task.WhenAll(groups.Select(async group => (Group: group, Person: group.Key.LookOnly
            ? await people.FindAsync(session, group.First().Contact!, cancellationToken)
            : await people.FindOrUpsertAsync(session, group.First().Contact!, cancellationToken))));
        return found.Where(f => f.Person is not null)
            .SelectMany(f => f.Group.Select(job => (job.SyncId, Person: f.Person!.Value)))
            .ToDictionary(p => p.SyncId, p => p.Person, StringComparer.Ordinal);
    }

    /// <summary>Emails whose write may have happened: the person's Notes (read straight, not through search) name them.</summary>
    private async Task LookUpNotesAsync(ZohoApi.Session session, List<(SyncJob Job, (string Module, string Id) Person)> unknown, ConcurrentDictionary<string, SyncOutcome> outcomes, CancellationToken cancellationToken)
    {
        foreach (var group in unknown.GroupBy(u => u.Person))
        {
            var titles = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var page = 1; ; page++)
            {
                var answer = (await api.SendAsync(session, HttpMethod.Get, $"{group.Key.Module}/{group.Key.Id}/Notes?fields=Note_Title&per_page=200&page={page}", null, cancellationToken))
                    .Require($"reading the Notes of {group.Key.Module} {group.Key.Id}");
                foreach (var note in answer.Body?["data"]?.AsArray() ?? [])
                {
                    if (note?["Note_Title"]?.ToString() is { } title && note["id"]?.ToString() is { } id)
                    {
                        titles.TryAdd(title, id);
                    }
                }

                if (answer.Body?["info"]?["more_records"]?.GetValue<bool>() != true)
                {
                    break;
                }
            }

            foreach (var (job, _) in group)
            {
                var key = ZohoRecords.NoteKey(job);
                if (titles.FirstOrDefault(t => t.Key.StartsWith(key, StringComparison.Ordinal)).Value is { } id)
                {
                    outcomes[job.SyncId] = new SyncOutcome(job.SyncId, SyncEnd.Synced, id, null);
                }
            }
        }
    }

    private async Task InsertAsync(ZohoApi.Session session, string module, List<(SyncJob Job, object Record)> items, ConcurrentDictionary<string, SyncOutcome> outcomes, CancellationToken cancellationToken)
    {
        if (items.Count == 0)
        {
            return;
        }

        var answer = await api.SendAsync(session, HttpMethod.Post, module, new { data = items.Select(i => i.Record).ToArray() }, cancellationToken);
        // Zoho answers each record in the order it was sent, also when it refuses some or all of them.
        if (answer.Body?["data"] is not JsonArray results || results.Count != items.Count)
        {
            answer.Require($"inserting {module}");
            results = [];
        }

        for (var i = 0; i < items.Count; i++)
        {
            var job = items[i].Job;
            var result = i < results.Count ? results[i] : null;
            outcomes[job.SyncId] = result?["code"]?.ToString() == "SUCCESS" && result["details"]?["id"]?.ToString() is { } id
                ? new SyncOutcome(job.SyncId, SyncEnd.Synced, id, null)
                : result?["status"]?.ToString() == "error"
                    ? new SyncOutcome(job.SyncId, SyncEnd.Failed, null, $"Zoho refused the {module} record: {result["code"]} {result["message"]} {result["details"]?.ToJsonString()}")
                    : new SyncOutcome(job.SyncId, SyncEnd.Unknown, null, $"Zoho did not confirm this {module} record in its answer");
        }
    }

    private async Task OptOutAsync(ZohoApi.Session session, List<(SyncJob Job, (string Module, string Id) Person)> optOuts, ConcurrentDictionary<string, SyncOutcome> outcomes, CancellationToken cancellationToken)
    {
        if (optOuts.Count == 0 || session.Options.OptOutProperty is not { } field)
        {
            return;
        }

        foreach (var module in optOuts.GroupBy(o => o.Person.Module))
        {
            var ids = module.Select(o => o.Person.Id).Distinct().ToList();
            var answer = (await api.SendAsync(session, HttpMethod.Put, module.Key,
                new { data = ids.Select(id => new Dictionary<string, object> { ["id"] = id, [field] = true }).ToArray() }, cancellationToken)).Require($"setting {field} on {module.Key}");
            var updated = (answer.Body?["data"]?.AsArray() ?? []).Where(r => r?["code"]?.ToString() == "SUCCESS").Select(r => r!["details"]?["id"]?.ToString()).ToHashSet(StringComparer.Ordinal);
            foreach (var (job, person) in module)
            {
                outcomes[job.SyncId] = updated.Contains(person.Id)
                    ? new SyncOutcome(job.SyncId, SyncEnd.Synced, person.Id, null)
                    : new SyncOutcome(job.SyncId, SyncEnd.Retry, null, $"Zoho did not confirm {field} on {module.Key} {person.Id}");
            }
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
