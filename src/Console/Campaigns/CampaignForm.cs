using Cualify.Appliance.Core.Campaigns;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.OperatorConsole.Actions;
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
        var (agentId, templateId) = Target(FormValues.Text(form, "target"));
        var retryOn = form["retry_on"].Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!).ToList();
        var input = new CampaignInput(
            FormValues.Text(form, "name"),
            agentId,
            templateId,
            Contacts(form),
            new CampaignPacingInput(FormValues.Number(form, "calls_per_minute", errors), FormValues.Number(form, "max_concurrent", errors)),
            new CampaignRetryInput(retryOn, FormValues.Number(form, "retry_after_minutes", errors), FormValues.Number(form, "max_attempts", errors)),
            FormValues.Text(form, "window"));
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

    private static CampaignContactsInput Contacts(IFormCollection form) => FormValues.Text(form, "audience") switch
    {
        ByImport => new CampaignContactsInput(null, FormValues.Text(form, "import_id") ?? "", null),
        ByIds => new CampaignContactsInput(null, null,
            (FormValues.Text(form, "contact_ids") ?? "").Split([',', '\n', ' ', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)),
        _ => new CampaignContactsInput(new CampaignFilterInput(FormValues.Text(form, "consent_capture"), FormValues.Text(form, "search"), null, null, null), null, null),
    };
}
