using System.Globalization;
using System.Text;
using Cualify.Appliance.Core.Api;
using Cualify.Appliance.Core.Contacts;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Core.Sequences;

/// <summary>The email the org's admins get when an enrollment waits for review: who, what will go out, and the approve link.</summary>
public sealed class ReviewRequest(IOptions<ApiOptions> api)
{
    public (string Subject, string Body) Compose(SequenceTemplate template, Contact contact, Enrollment enrollment, IReadOnlyList<EnrollmentStep> steps)
    {
        var who = contact.Name ?? contact.Email ?? contact.PhoneE164 ?? contact.Id;
        var approve = new Uri(BaseUrl(), $"api/v1/sequences/enrollments/{enrollment.Id}/approve");
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"A sequence for {who} is waiting for your review.");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Template:   {template.Name} ({template.Id})");
        text.AppendLine(CultureInfo.InvariantCulture, $"Enrollment: {enrollment.Id}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Contact:    {who}{(contact.Email is null ? "" : $" <{contact.Email}>")}{(contact.PhoneE164 is null ? "" : $", {contact.PhoneE164}")}");
        if (enrollment.Language is not null)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Language:   {enrollment.Language}");
        }

        text.AppendLine();
        foreach (var step in steps)
        {
            var when = step.DelayMinutes == 0 ? "at once" : $"after {step.DelayMinutes} min";
            text.AppendLine(CultureInfo.InvariantCulture, $"Step {step.Position + 1}: {step.Channel}, {when}{(step.AgentId is null ? "" : $", playbook {step.AgentId}")}");
            if (step.Subject is not null)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  Subject: {step.Subject}");
            }

            if (step.WrittenBy is { } writtenBy)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  (written by {writtenBy.Model}, prompt sha256 {writtenBy.PromptSha256})");
            }
            else if (step.FallbackReason is not null)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  (not written, {step.FallbackReason}: {step.FallbackDetail}{(step.Status == StepStatus.Failed ? "" : "; the fixed text below goes out")})");
            }

            if (step.Status == StepStatus.Failed)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  (will not be sent: {step.LastError})");
            }

            foreach (var line in (step.Body ?? "").Split('\n'))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  | {line.TrimEnd('\r')}");
            }

            text.AppendLine();
        }

        text.AppendLine("To approve, send (with an admin key):");
        text.AppendLine(CultureInfo.InvariantCulture, $"  POST {approve}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  curl -X POST -H \"Authorization: Bearer <admin key>\" {approve}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"To drop it instead: POST {new Uri(BaseUrl(), $"api/v1/sequences/enrollments/{enrollment.Id}/stop")}");
        return ($"Review needed: sequence \"{template.Name}\" for {who}", text.ToString());
    }

    private Uri BaseUrl()
    {
        if (api.Value.PublicBase is { } publicBase)
        {
            return publicBase;
        }

        var first = api.Value.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "http://127.0.0.1:8080";
        return new Uri(first.Replace("*", "localhost").Replace("+", "localhost").TrimEnd('/') + "/");
    }
}
