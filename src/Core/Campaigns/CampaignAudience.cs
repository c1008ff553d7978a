using System.Text.Json;
using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Paging;
using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Campaigns;

/// <summary>
/// The snapshot of a campaign's contacts, taken when it starts: the contacts its selection matches at that
/// moment become its members, in order of creation. Contacts created or imported afterwards are not added.
/// </summary>
internal static class CampaignAudience
{
    public static async Task<int> SnapshotAsync(StoreTransaction tx, Campaign campaign)
    {
        var selection = JsonNode.Parse(campaign.Contacts)!.AsObject();
        var args = new DynamicParameters(new { campaign.Id, campaign.OrgId, tx.Now });
        string source;
        if (selection["import_id"] is { } importNode)
        {
            var importId = (string)importNode!;
            var status = await tx.ExecuteScalarAsync<string?>("SELECT status FROM contact_imports WHERE org_id = @OrgId AND id = @importId",
                new { campaign.OrgId, importId });
            if (status is null)
            {
                throw ApplianceException.NotFound("Import", "contacts.import_id");
            }

            if (status == "running")
            {
                throw ApplianceException.Conflict("The import named by contacts.import_id is still running; start the campaign once it has completed", "contacts.import_id");
            }

            args.Add("importId", importId);
            source = "SELECT c.id FROM contacts c JOIN contact_import_rows r ON r.contact_id = c.id WHERE r.import_id = @importId AND c.org_id = @OrgId";
        }
        else if (selection["contact_ids"] is JsonArray ids)
        {
            var list = ids.Select(i => (string)i!).ToList();
            var known = (await tx.QueryAsync<string>("SELECT id FROM contacts WHERE org_id = @OrgId AND id IN @list", new { campaign.OrgId, list })).ToHashSet();
            var missing = list.FindIndex(id => !known.Contains(id));
            if (missing >= 0)
            {
                throw new FieldErrors().Add($"contacts.contact_ids[{missing}]", "No contact of the org has this id").ToException();
            }

            args.Add("list", list);
            source = "SELECT id FROM contacts c WHERE org_id = @OrgId AND id IN @list";
        }
        else
        {
            source = "SELECT id FROM contacts c WHERE " + FilterCondition(tx.Dialect, selection["filter"]!.AsObject(), args);
        }

        var added = await tx.ExecuteAsync($"""
            INSERT INTO campaign_members (campaign_id, position, contact_id, state, updated_at)
            SELECT @Id, row_number() OVER (ORDER BY id), id, 'pending', @Now FROM ({source}) AS chosen
            """, args);
        return added;
    }

    private static string FilterCondition(StoreDialect sql, JsonObject filter, DynamicParameters args)
    {
        var conditions = new List<string> { "c.org_id = @OrgId" };
        if (filter["consent_capture"] is { } consent)
        {
            conditions.Add("c.consent_capture = @consent");
            args.Add("consent", (string)consent!);
        }

        if (filter["search"] is { } search)
        {
            conditions.Add($@"(c.name {sql.LikeIgnoringCase} @search ESCAPE '\' OR c.email_normalized LIKE @search ESCAPE '\' OR c.phone_e164 LIKE @search ESCAPE '\')");
            args.Add("search", QueryValues.LikeContains(((string)search!).ToLowerInvariant()));
        }

        if (filter["created_after"] is { } after)
        {
            conditions.Add("c.created_at > @after");
            args.Add("after", UtcTimestamp.Parse((string)after!));
        }

        if (filter["created_before"] is { } before)
        {
            conditions.Add("c.created_at < @before");
            args.Add("before", UtcTimestamp.Parse((string)before!));
        }

        var i = 0;
        foreach (var (key, value) in filter["metadata"]?.AsObject() ?? [])
        {
            // Keys are checked to be plain words (CampaignRules), so they can sit inside the JSON path.
            if (sql.IsPostgres)
            {
                // jsonb equality: a number, string or flag matches what json_extract compares on SQLite.
                conditions.Add($"(c.metadata::jsonb -> '{key}') = CAST(@meta{i} AS jsonb)");
                args.Add($"meta{i}", value!.ToJsonString());
                i++;
                continue;
            }

            conditions.Add($"json_extract(c.metadata, '$.\"{key}\"') = @meta{i}");
            args.Add($"meta{i}", value!.GetValueKind() switch
            {
                JsonValueKind.String => (object)(string)value!,
                JsonValueKind.True => 1,
                JsonValueKind.False => 0,
                _ => (double)value!,
            });
            i++;
        }

        return string.Join(" AND ", conditions);
    }
}
