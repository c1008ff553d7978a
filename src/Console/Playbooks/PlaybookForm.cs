using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.OperatorConsole.Actions;
using Microsoft.AspNetCore.Http;

namespace Cualify.Appliance.OperatorConsole.Playbooks;

/// <summary>
/// The playbook form's fields as the Core input the API builds from JSON. On an edit an emptied optional text is
/// cleared, as a JSON null would clear it; DTMF is written one <c>digit=action</c> per line.
/// </summary>
public static class PlaybookForm
{
    private static readonly string[] ClearableTexts = ["disclosure_text", "message_text", "handoff_target", "voice"];

    public static PlaybookInput Read(IFormCollection form, bool isEdit)
    {
        var errors = new FieldErrors();
        var clear = new HashSet<string>(StringComparer.Ordinal);
        if (isEdit)
        {
            foreach (var field in ClearableTexts.Where(f => form.ContainsKey(f) && FormValues.Text(form, f) is null))
            {
                clear.Add(field);
            }
        }

        var input = new PlaybookInput(
            Name: FormValues.Text(form, "name"),
            Language: FormValues.Text(form, "language"),
            MaxDurationSec: FormValues.Number(form, "max_duration_sec", errors, "a whole number of seconds"),
            DisclosureText: FormValues.Text(form, "disclosure_text"),
            MessageText: FormValues.Text(form, "message_text"),
            Dtmf: Dtmf(form, errors),
            HandoffTarget: FormValues.Text(form, "handoff_target"),
            Voicemail: FormValues.Text(form, "voicemail"),
            Clear: clear,
            Voice: FormValues.Text(form, "voice"),
            Record: form["record"].Contains("true"));
        errors.ThrowIfAny();
        return input;
    }

    /// <summary>The map as the form's textarea shows it.</summary>
    public static string DtmfText(IReadOnlyDictionary<string, string> dtmf) =>
        string.Join("\n", dtmf.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));

    private static Dictionary<string, string>? Dtmf(IFormCollection form, FieldErrors errors)
    {
        if (!form.ContainsKey("dtmf"))
        {
            return null;
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in form["dtmf"].ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                errors.Add("dtmf", $"Each DTMF line is digit=action, such as 9=opt_out; \"{line}\" is not");
                continue;
            }

            map[parts[0]] = parts[1];
        }

        return map;
    }
}
