using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Campaigns;

/// <summary>A checked campaign, ready to store: every field validated at once, each failure naming its field.</summary>
public sealed record CampaignDraft(
    string Name,
    string? AgentId,
    string? TemplateId,
    JsonObject Contacts,
    int CallsPerMinute,
    int? MaxConcurrent,
    IReadOnlyList<string> RetryOn,
    int RetryAfterMinutes,
    int MaxAttempts,
    string? Window);

public static partial class CampaignRules
{
    public const int MaxCallsPerMinute = 6_000;
    public const int DefaultCallsPerMinute = 10;
    public const int MaxContactIds = 10_000;
    public const int MaxAttemptsLimit = 10;
    public static readonly IReadOnlyList<string> Retryable = [CallStatus.Busy, CallStatus.NoAnswer];

    public static CampaignDraft Check(CampaignInput input)
    {
        var errors = new FieldErrors();
        var name = input.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            errors.Add("name", "name is required, at most 200 characters");
        }

        var agentId = Blank(input.AgentId);
        var templateId = Blank(input.TemplateId);
        if ((agentId is null) == (templateId is null))
        {
            errors.Add(agentId is null ? "agent_id" : "template_id",
                "Give exactly one of agent_id (a playbook: the campaign calls every contact) or template_id (a sequence template: it enrolls every contact)");
        }

        var contacts = CheckContacts(input.Contacts, errors);
        var pacing = input.Pacing ?? new CampaignPacingInput(null, null);
        if (pacing.CallsPerMinute is < 1 or > MaxCallsPerMinute)
        {
            errors.Add("pacing.calls_per_minute", $"pacing.calls_per_minute must be from 1 to {MaxCallsPerMinute}");
        }

        if (pacing.MaxConcurrent is < 1 or > 10_000)
        {
            errors.Add("pacing.max_concurrent", "pacing.max_concurrent must be from 1 to 10000");
        }

        var retry = input.Retry;
        var on = retry?.On ?? (retry is null ? [] : Retryable);
        if (on.Any(o => !Retryable.Contains(o)) || on.Distinct().Count() != on.Count)
        {
            errors.Add("retry.on", "retry.on lists call statuses to try again, each once: busy, no_answer");
        }

        if (retry?.AfterMinutes is < 1 or > 10_080)
        {
            errors.Add("retry.after_minutes", "retry.after_minutes must be from 1 to 10080 (a week)");
        }

        var maxAttempts = retry?.MaxAttempts ?? (on.Count > 0 ? 3 : 1);
        if (maxAttempts is < 1 or > MaxAttemptsLimit)
        {
            errors.Add("retry.max_attempts", $"retry.max_attempts counts every attempt, the first included: from 1 to {MaxAttemptsLimit}");
        }

        var window = Blank(input.Window);
        if (window is not null && !IsCron(window))
        {
            errors.Add("window", "window must be a 5-field cron expression of the minutes calls may start, in the callee's time zone, e.g. \"* 10-17 * * 1-5\"");
        }

        errors.ThrowIfAny();
        return new CampaignDraft(name!, agentId, templateId, contacts!, pacing.CallsPerMinute ?? DefaultCallsPerMinute, pacing.MaxConcurrent,
            [.. on], retry?.AfterMinutes ?? 60, maxAttempts, window);
    }

    private static JsonObject? CheckContacts(CampaignContactsInput? contacts, FieldErrors errors)
    {
        var given = new[] { contacts?.Filter is not null, contacts?.ImportId is not null, contacts?.ContactIds is not null }.Count(g => g);
        if (contacts is null || given != 1)
        {
            errors.Add("contacts", "contacts must hold exactly one of filter ({consent_capture, search, created_after, created_before, metadata}), import_id or contact_ids");
            return null;
        }

        if (contacts.ImportId is { } importId)
        {
            if (!Ids.IsUuid(importId))
            {
                errors.Add("contacts.import_id", "contacts.import_id must be the id of an import from POST /api/v1/contacts/import");
            }

            return new JsonObject { ["import_id"] = importId };
        }

        if (contacts.ContactIds is { } ids)
        {
            if (ids.Count is 0 or > MaxContactIds)
            {
                errors.Add("contacts.contact_ids", $"contacts.contact_ids must list 1 to {MaxContactIds} contact ids");
            }

            for (var i = 0; i < Math.Min(ids.Count, MaxContactIds); i++)
            {
                if (!Ids.IsUuid(ids[i]))
                {
                    errors.Add($"contacts.contact_ids[{i}]", "must be a contact id");
                    break;
                }
            }

            return new JsonObject { ["contact_ids"] = new JsonArray([.. ids.Distinct().Select(id => JsonValue.Create(id))]) };
        }

        var filter = contacts.Filter!;
        var stored = new JsonObject();
        if (filter.ConsentCapture is { } consent)
        {
            if (!ConsentCapture.All.Contains(consent))
            {
                errors.Add("contacts.filter.consent_capture", "contacts.filter.consent_capture must be one of pre_call, website_form, manual, imported");
            }

            stored["consent_capture"] = consent;
        }

        if (!string.IsNullOrWhiteSpace(filter.Search))
        {
            stored["search"] = filter.Search.Trim();
        }

        if (filter.CreatedAfter is { } after)
        {
            stored["created_after"] = UtcTimestamp.Format(after);
        }

        if (filter.CreatedBefore is { } before)
        {
            stored["created_before"] = UtcTimestamp.Format(before);
        }

        if (filter.Metadata is { } metadata)
        {
            foreach (var (key, value) in metadata)
            {
                if (!MetadataKey().IsMatch(key) || value is not JsonValue || value.GetValueKind() is not (System.Text.Json.JsonValueKind.String or System.Text.Json.JsonValueKind.Number or System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False))
                {
                    errors.Add($"contacts.filter.metadata.{key}", "metadata filters match top-level keys (letters, digits, _ and -) against a string, number or boolean");
                }
            }

            stored["metadata"] = metadata.DeepClone();
        }

        return new JsonObject { ["filter"] = stored };
    }

    private static bool IsCron(string expression)
    {
        try
        {
            CallingHours.Parse(expression);
            return true;
        }
        catch (Cronos.CronFormatException)
        {
            return false;
        }
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex MetadataKey();
}
