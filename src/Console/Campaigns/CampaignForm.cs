using System.Globalization;
using Cualify.Appliance.Core.Campaigns;
using Cualify.Appliance.Core.Errors;
using Microsoft.AspNetCore.Http;

namespace Cualify.Appliance.OperatorConsole.Campaigns;

/// <summary>
/// The new-campaign form as the Core input the API builds from JSON: a playbook or a sequence template (whichever
/// is chosen), whom it reaches (a filter, an import or listed contact ids), pacing, retry and window.
/// </summary>
public static class CampaignForm
{
    public const string ByFilter = "filter";
    public const string ByImport = "import";
    public const string ByIds = "ids";

    public static CampaignInput Read(IFormCollection form)
    {
        var errors = new FieldErrors();
        var (agentId, templateId) = Target(Text(form, "target"));
        var retryOn = form["retry_on"].Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!).ToList();
        var input = new CampaignInput(
            Text(form, "name"),
            agentId,
            templateId,
            Contacts(form),
            new CampaignPacingInput(Number(form, "calls_per_minute", errors), Number(form, "max_concurrent", errors)),
            new CampaignRetryInput(retryOn, Number(form, "retry_after_minutes", errors), Number(form, "max_attempts", errors)),
            Text(form, "window"));
        errors.ThrowIfAny();
        return input;
    }

    /// <summary>The option value of a playbook or a template in the form's one "calls or enrolls" select.</summary>
    public static string AgentOption(string agentId) => "agent:" + agentId;

    public static string TemplateOption(string templateId) => "template:" + templateId;

    private static (string? AgentId, string? TemplateId) Target(string? choice) => choice switch
    {
        { } agent when agent.StartsWith("agent:", StringComparison.Ordinal) => (agent["agent:".Length..], null),
        { } template when template.StartsWith("template:", StringComparison.Ordinal) => (null, template["template:".Length..]),
        _ => (null, null),
    };

    private static CampaignContactsInput Contacts(IFormCollection form) => Text(form, "audience") switch
    {
        ByImport => new CampaignContactsInput(null, Text(form, "import_id") ?? "", null),
        ByIds => new CampaignContactsInput(null, null,
            (Text(form, "contact_ids") ?? "").Split([',', '\n', ' ', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)),
        _ => new CampaignContactsInput(new CampaignFilterInput(Text(form, "consent_capture"), Text(form, "search"), null, null, null), null, null),
    };

    private static string? Text(IFormCollection form, string field) =>
        form[field].ToString().Trim() is { Length: > 0 } text ? text : null;

    private static int? Number(IFormCollection form, string field, FieldErrors errors)
    {
        if (Text(form, field) is not { } text)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        errors.Add(field, $"{field} must be a whole number");
        return null;
    }
}
