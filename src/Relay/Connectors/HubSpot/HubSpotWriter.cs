using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cualify.Appliance.Relay.Connectors.HubSpot;

/// <summary>
/// Writes a batch of syncs into HubSpot: first it looks up every record whose earlier attempt had an unknown outcome
/// (calls by <c>hs_call_external_id</c>, emails by their Message-ID), so none is created twice; then it finds or
/// creates the contacts, and creates the calls (type 194 to the contact) and emails (type 198) — one request for a
/// single record, a batch request of up to 100 when a backlog built up — and sets the opt-out property.
/// </summary>
internal sealed class HubSpotWriter(HubSpotApi api, HubSpotContacts contacts, ConnectorStore connectors, TimeProvider time) : ICrmWriter
{
    public static readonly TimeSpan DailyLimitPause = TimeSpan.FromHours(1);

    public string Kind => ConnectorKinds.HubSpot;

    public async Task<BatchResult> WriteAsync(ConnectorBatch batch, CancellationToken cancellationToken)
    {
        var session = api.Open(batch.Connector, connectors.CredentialsOf(batch.Connector));
        var outcomes = new Dictionary<string, SyncOutcome>(StringComparer.Ordinal);
        string? lastError = null;
        var authFailed = false;
        DateTimeOffset? pausedUntil = null;
        try
        {
            await LookUpAsync(session, batch.Jobs.Where(j => j.OutcomeUnknown).ToList(), outcomes, cancellationToken);
            var open = batch.Jobs.Where(j => !outcomes.ContainsKey(j.SyncId)).ToList();
            var contactIds = await contacts.ResolveAsync(session, open.Where(j => j.Object != "contact").ToList(), session.Options.CreateContacts, cancellationToken);
            var optOutIds = await contacts.ResolveAsync(session, open.Where(j => j.Object == "contact").ToList(), mayCreate: false, cancellationToken);
            await CreateAsync(session, "calls", open.Where(j => j.Object == "call").ToList(), contactIds, outcomes, cancellationToken);
            await CreateAsync(session, "emails", open.Where(j => j.Object == "email").ToList(), contactIds, outcomes, cancellationToken);
            await OptOutAsync(session, open.Where(j => j.Object == "contact").ToList(), optOutIds, outcomes, cancellationToken);
        }
        catch (CrmAuthFailedException ex)
        {
            authFailed = true;
            lastError = ex.Message;
            Rest(batch, outcomes, SyncEnd.Requeue, ex.Message);
        }
        catch (HubSpotDailyLimitException ex)
        {
            lastError = ex.Message;
            pausedUntil = time.GetUtcNow() + DailyLimitPause;
            Rest(batch, outcomes, SyncEnd.Requeue, ex.Message, DailyLimitPause);
        }
        catch (CrmRateLimitedException ex)
        {
            lastError = ex.Message;
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
        var health = new ConnectorHealth(lastError, session.Window.Remaining, session.TokenExpiresAt, authFailed, pausedUntil, session.RateLimitWaits, session.TokenRefreshes);
        return new BatchResult(batch, batch.Jobs.Select(j => outcomes[j.SyncId]).ToList(), health);
    }

    /// <summary>A 2xx (201, or 207 with some results) is an answer to read; anything else says nothing was written.</summary>
    internal static void RequireBatchAnswer(HubSpotAnswer answer, string what)
    {
        if (answer.Status is < 200 or >= 300)
        {
            throw new CrmRefusedException(answer.Status, $"HubSpot answered {answer.Status} {what}: {answer.Body["message"]?.ToString() ?? "no message"}");
        }
    }

    private async Task LookUpAsync(HubSpotApi.Session session, List<SyncJob> unknown, Dictionary<string, SyncOutcome> outcomes, CancellationToken cancellationToken)
    {
        foreach (var chunk in unknown.Where(j => j.Object == "call").Chunk(100))
        {
            var found = await api.SendAsync(session, HttpMethod.Post, $"{session.ObjectsPath("calls")}/search", new
            {
                filterGroups = new[] { new { filters = new[] { new { propertyName = "hs_call_external_id", @operator = "IN", values = chunk.Select(j => j.ObjectId).ToArray() } } } },
                properties = new[] { "hs_call_external_id" },
                limit = 100,
            }, search: true, cancellationToken);
            RequireBatchAnswer(found, "searching calls by hs_call_external_id");
            Match(HubSpotContacts.Results(found.Body), r => HubSpotContacts.Prop(r, "hs_call_external_id"), chunk, outcomes);
        }

        // An email has no external-id property; its Message-ID is a token of hs_email_headers. Five OR groups a search.
        foreach (var chunk in unknown.Where(j => j.Object == "email").Chunk(5))
        {
            var found = await api.SendAsync(session, HttpMethod.Post, $"{session.ObjectsPath("emails")}/search", new
            {
                filterGroups = chunk.Select(j => new { filters = new[] { new { propertyName = "hs_email_headers", @operator = "CONTAINS_TOKEN", value = j.ObjectId } } }).ToArray(),
                properties = new[] { "hs_email_headers" },
                limit = 100,
            }, search: true, cancellationToken);
            RequireBatchAnswer(found, "searching emails by Message-ID");
            Match(HubSpotContacts.Results(found.Body), MessageIdOf, chunk, outcomes);
        }
    }

    private async Task CreateAsync(
        HubSpotApi.Session session, string objectType, List<SyncJob> jobs, Dictionary<string, string> contactIds, Dictionary<string, SyncOutcome> outcomes, CancellationToken cancellationToken)
    {
        if (jobs.Count == 0)
        {
            return;
        }

        var isCall = objectType == "calls";
        var associationType = isCall ? HubSpotRecords.CallToContact : HubSpotRecords.EmailToContact;
        object Input(SyncJob job) => new
        {
            properties = isCall ? HubSpotRecords.CallProperties(job, job.PlaybookName) : HubSpotRecords.EmailProperties(job),
            associations = contactIds.TryGetValue(job.SyncId, out var contactId)
                ? new[] { new { to = new { id = contactId }, types = new[] { new { associationCategory = "HUBSPOT_DEFINED", associationTypeId = associationType } } } }
                : [],
        };
        Func<JsonNode, string?> keyOf = isCall ? r => HubSpotContacts.Prop(r, "hs_call_external_id") : MessageIdOf;

        HubSpotAnswer answer;
        if (jobs.Count == 1)
        {
            answer = await api.SendAsync(session, HttpMethod.Post, session.ObjectsPath(objectType), Input(jobs[0]), search: false, cancellationToken);
            RequireBatchAnswer(answer, $"creating {objectType}");
            Match([answer.Body], keyOf, jobs, outcomes);
        }
        else
        {
            answer = await api.SendAsync(session, HttpMethod.Post, $"{session.ObjectsPath(objectType)}/batch/create",
                new { inputs = jobs.Select(Input).ToArray() }, search: false, cancellationToken);
            RequireBatchAnswer(answer, $"creating {objectType}");
            Match(HubSpotContacts.Results(answer.Body), keyOf, jobs, outcomes);
        }

        // A 207's missing inputs: HubSpot lists their errors, but which record each is cannot be told for sure, so
        // each is looked up again at its next attempt rather than assumed absent.
        var errors = answer.Body["errors"]?.AsArray().Select(e => e?["message"]?.ToString()).Where(m => m is not null).Take(3).ToList() ?? [];
        var detail = errors.Count > 0 ? $": {string.Join("; ", errors)}" : "";
        foreach (var job in jobs.Where(j => !outcomes.ContainsKey(j.SyncId)))
        {
            outcomes[job.SyncId] = new SyncOutcome(job.SyncId, SyncEnd.Unknown, null, $"HubSpot did not confirm this {objectType[..^1]} in its answer{detail}");
        }
    }

    private async Task OptOutAsync(HubSpotApi.Session session, List<SyncJob> jobs, Dictionary<string, string> contactIds, Dictionary<string, SyncOutcome> outcomes, CancellationToken cancellationToken)
    {
        var property = session.Options.OptOutProperty;
        foreach (var job in jobs.Where(j => !contactIds.ContainsKey(j.SyncId)))
        {
            outcomes[job.SyncId] = new SyncOutcome(job.SyncId, SyncEnd.Failed, null, "no HubSpot contact has this contact's email or phone");
        }

        var known = jobs.Where(j => contactIds.ContainsKey(j.SyncId)).ToList();
        if (known.Count == 0 || property is null)
        {
            return;
        }

        var answer = await api.SendAsync(session, HttpMethod.Post, $"{session.ObjectsPath("contacts")}/batch/update", new
        {
            inputs = known.Select(j => contactIds[j.SyncId]).Distinct().Select(id => new { id, properties = new Dictionary<string, string> { [property] = "true" } }).ToArray(),
        }, search: false, cancellationToken);
        RequireBatchAnswer(answer, $"setting {property}");
        var updated = HubSpotContacts.Results(answer.Body).Select(HubSpotContacts.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var job in known)
        {
            var id = contactIds[job.SyncId];
            outcomes[job.SyncId] = updated.Contains(id)
                ? new SyncOutcome(job.SyncId, SyncEnd.Synced, id, null)
                : new SyncOutcome(job.SyncId, SyncEnd.Retry, null, $"HubSpot did not confirm {property} on contact {id}");
        }
    }

    private static void Match(IEnumerable<JsonNode> results, Func<JsonNode, string?> keyOf, IEnumerable<SyncJob> jobs, Dictionary<string, SyncOutcome> outcomes)
    {
        var byKey = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var result in results)
        {
            if (keyOf(result) is { } key && HubSpotContacts.Id(result) is { } id)
            {
                byKey.TryAdd(key, id);
            }
        }

        foreach (var job in jobs)
        {
            if (byKey.TryGetValue(job.ObjectId, out var id))
            {
                outcomes[job.SyncId] = new SyncOutcome(job.SyncId, SyncEnd.Synced, id, null);
            }
        }
    }

    private static string? MessageIdOf(JsonNode result)
    {
        if (HubSpotContacts.Prop(result, "hs_email_headers") is not { } headers)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(headers)?["messageId"]?.ToString();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void Rest(ConnectorBatch batch, Dictionary<string, SyncOutcome> outcomes, SyncEnd end, string error, TimeSpan? wait = null)
    {
        foreach (var job in batch.Jobs.Where(j => !outcomes.ContainsKey(j.SyncId)))
        {
            outcomes[job.SyncId] = new SyncOutcome(job.SyncId, end, null, error, wait);
        }
    }
}
