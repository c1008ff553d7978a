using System.Text;
using Microsoft.OpenApi;

namespace Cualify.Appliance.LocalApi.Docs;

/// <summary>
/// The OpenAPI document as a plain-text capability map for AI agents (the llms.txt convention): what the appliance
/// does, how to authenticate, the main flows, and each operation on one line, grouped by tag.
/// </summary>
public static class LlmsText
{
    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    public static string Render(OpenApiDocument document, string origin)
    {
        var text = new StringBuilder();
        text.Append("# ").AppendLine(document.Info?.Title ?? "API");
        text.AppendLine();
        text.Append("> ").AppendLine(document.Info?.Summary ?? "");
        text.AppendLine();
        text.AppendLine(document.Info?.Description?.Trim());
        text.AppendLine();
        text.AppendLine("## Auth");
        text.AppendLine("Send `Authorization: Bearer cuk_live_<prefix8>_<secret32>` on every request under /api/v1, except the operations marked [no key].");
        text.AppendLine("Scopes: read (GET), write (read + create/update/delete), admin (write + keys, webhooks, org settings), operator (all orgs; CLI-created).");
        text.AppendLine();
        text.AppendLine("## Main flows");
        text.AppendLine("1. Call someone: POST /api/v1/contacts (upsert with consent_capture) -> POST /api/v1/playbooks (what the call says) -> POST /api/v1/calls {agent_id: playbook id, to_e164} -> GET /api/v1/calls/{id} until status is final (completed, failed, no_answer, busy, canceled).");
        text.AppendLine("2. Follow up by email: POST /api/v1/sequences/templates -> POST /api/v1/sequences/start {template_id, contact} -> GET /api/v1/sequences/enrollments/{id}.");
        text.AppendLine("3. Hear about changes: POST /api/v1/webhooks {url, events} (signed deliveries), or GET /api/v1/events (Server-Sent Events).");
        text.AppendLine("4. Page through lists with limit (1-100) and offset; each list returns pagination.total and has_more.");
        text.AppendLine();
        text.Append("Full OpenAPI 3.1 document: ").Append(origin).AppendLine("/api/v1/openapi.json");
        text.Append("Interactive reference: ").Append(origin).AppendLine("/docs");

        var operations =
            from path in document.Paths ?? []
            from operation in path.Value.Operations ?? []
            let tag = operation.Value.Tags?.FirstOrDefault()?.Name ?? "Other"
            select (Tag: tag, Method: operation.Key.Method.ToUpperInvariant(), Path: path.Key, Operation: operation.Value);
        foreach (var group in operations.GroupBy(o => o.Tag))
        {
            text.AppendLine();
            text.Append("## ").AppendLine(group.Key);
            var description = document.Tags?.FirstOrDefault(t => t.Name == group.Key)?.Description;
            if (description is not null)
            {
                text.AppendLine(description);
            }

            foreach (var (_, method, path, operation) in group.OrderBy(o => o.Path, StringComparer.Ordinal).ThenBy(o => Array.IndexOf(Methods, o.Method)))
            {
                var open = operation.Security is { Count: 0 } ? " [no key]" : "";
                text.Append("- ").Append(method).Append(' ').Append(path).Append(": ").Append(operation.Summary).AppendLine(open);
            }
        }

        return text.ToString();
    }
}
