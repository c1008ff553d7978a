using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Json;

namespace Cualify.Appliance.Core.Sequences.Writing;

/// <summary>
/// What the writer is told for one step: the org's instructions (already rendered for this contact), this contact's
/// own fields and notes and nothing of any other contact, the language to write in, and the JSON shape of the answer.
/// Its SHA-256 (<see cref="Sha256"/>) is stored with the written text, so one can tell later which prompt wrote it.
/// </summary>
public static class WriterPrompt
{
    public const string SchemaName = "email_step";
    public const int MaxSubjectChars = 150;

    private static readonly string SystemMessage = $"""
        You write one outreach email for a business to one person. Follow the business's instructions.
        Write in the language named in "language"; when it is empty, in the language the notes say the person speaks; else in English.
        Write plain text only: no HTML, no Markdown, no placeholders such as [Your name].
        Do not add an unsubscribe line or a footer: the sender adds them.
        Answer with a JSON object with two strings: "subject", one line of at most {MaxSubjectChars} characters, and "body", the email's text.
        """;

    public static WriterRequest Build(string model, string instructions, Contact contact, StepContext step)
    {
        var user = new JsonObject
        {
            ["instructions"] = instructions,
            ["language"] = contact.LanguagePref ?? "",
            ["step"] = new JsonObject { ["number"] = step.Number, ["of"] = step.Of, ["follow_up"] = step.FollowUp },
            ["contact"] = new JsonObject
            {
                ["first_name"] = contact.FirstName,
                ["last_name"] = contact.LastName,
                ["notes"] = contact.Notes,
                ["metadata"] = JsonNode.Parse(string.IsNullOrEmpty(contact.Metadata) ? "{}" : contact.Metadata),
            },
        };
        if (step.DraftSubject is not null || step.DraftBody is not null)
        {
            user["draft"] = new JsonObject { ["subject"] = step.DraftSubject, ["body"] = step.DraftBody };
        }

        return new WriterRequest(model, [new WriterMessage("system", SystemMessage), new WriterMessage("user", user.ToJsonString(ApplianceJson.Options))], SchemaName, Schema());
    }

    /// <summary>The answer's shape, in the subset of JSON Schema that strict structured output accepts.</summary>
    public static JsonObject Schema() => new()
    {
        ["type"] = "object",
        ["properties"] = new JsonObject
        {
            ["subject"] = new JsonObject { ["type"] = "string" },
            ["body"] = new JsonObject { ["type"] = "string" },
        },
        ["required"] = new JsonArray("subject", "body"),
        ["additionalProperties"] = false,
    };

    /// <summary>The hash of everything sent: model, messages and schema, in a fixed serialisation.</summary>
    public static string Sha256(WriterRequest request)
    {
        var canonical = JsonSerializer.Serialize(new
        {
            model = request.Model,
            messages = request.Messages.Select(m => new { role = m.Role, content = m.Content }),
            schema_name = request.SchemaName,
            schema = request.Schema,
        });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }
}

/// <summary>Where the step sits in the sequence, and its fixed text (already rendered) as a draft the writer may use.</summary>
public sealed record StepContext(int Number, int Of, bool FollowUp, string? DraftSubject, string? DraftBody);
