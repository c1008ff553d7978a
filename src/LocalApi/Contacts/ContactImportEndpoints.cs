using Cualify.Appliance.Core.Contacts.Import;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.LocalApi.Auth;
using Cualify.Appliance.LocalApi.Json;
using Cualify.Appliance.LocalApi.OpenApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.LocalApi.Contacts;

/// <summary><c>POST /contacts/import</c> (a CSV upload) and <c>GET /contacts/imports/{id}</c> (its progress and errors).</summary>
public static class ContactImportEndpoints
{
    public static IEndpointRouteBuilder MapContactImports(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/contacts").WithTags("Contacts");
        group.MapPost("/import", ImportAsync)
            .Accepts<string>("text/csv").WithErrors(400, 413, 422)
            .WithSummary("Import contacts from CSV")
            .WithDescription("A CSV file as the request body (text/csv, UTF-8, up to 1,000,000 rows): a header row naming the columns phone_e164 (required), name, first_name, last_name, email, language_pref, consent_capture, notes and any metadata.<key>, then one contact per row. The file is checked first (UTF-8, a header with phone_e164 and no unknown column, well-formed CSV, the size and row limits) and refused as a whole with 422 (param file) when it is not right; then the answer is 202 at once and the rows are imported in the background. Each row is the same upsert as POST /contacts (numbers normalised, matched on phone_e164, an empty cell leaves the field as it is); a row without consent_capture is imported but never called; numbers on the do-not-contact list stay blocked. Follow it with GET /contacts/imports/{id}.");
        group.MapGet("/imports/{id}", GetImportAsync)
            .WithSummary("Get a contact import")
            .WithDescription("An import's status (running, completed, failed) and counts: rows read so far of rows_total, created, updated (an existing contact changed), unchanged (an existing contact the row did not change), skipped (rows with errors), do_not_contact and without_consent; then the first 1,000 errors, each with its row (the header is row 1), field and message.");
        return api;
    }

    private static async Task<Accepted<DataOf<ContactImportView>>> ImportAsync(HttpContext context, ContactImports imports, IOptions<ContactImportOptions> options)
    {
        var maxBytes = options.Value.MaxBytes;
        if (context.Request.ContentLength > maxBytes)
        {
            throw ImportFile.TooLarge(maxBytes);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            // The spool counts the bytes itself and answers in the envelope; Kestrel's own cut-off sits beyond it.
            limit.MaxRequestBodySize = maxBytes + 1;
        }

        var type = context.Request.ContentType?.Split(';')[0].Trim();
        if (type is not null && !type.Equals("text/csv", StringComparison.OrdinalIgnoreCase) && !type.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            throw new FieldErrors().Add("file", $"Send the CSV file as the body with Content-Type text/csv, not {type}").ToException();
        }

        var import = await imports.BeginAsync(context.Caller().OrgId, context.Request.Body, "api", context.RequestAborted);
        return TypedResults.Accepted($"/api/v1/contacts/imports/{import.Id}", Envelopes.Wrap(ContactImportView.From(import, [])));
    }

    private static async Task<Ok<DataOf<ContactImportView>>> GetImportAsync(string id, HttpContext context, ContactImports imports) =>
        TypedResults.Ok(Envelopes.Wrap((Core.Store.Ids.IsUuid(id) ? await imports.ViewAsync(context.Caller().OrgId, id, context.RequestAborted) : null)
            ?? throw ApplianceException.NotFound("Import", "id")));
}
