using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.LocalApi.Auth;
using Cualify.Appliance.LocalApi.Idempotency;
using Cualify.Appliance.LocalApi.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.LocalApi.Contacts;

public static class ContactEndpoints
{
    public static IEndpointRouteBuilder MapContacts(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/contacts").WithTags("Contacts");
        group.MapPost("/", UpsertAsync).WithIdempotency()
            .WithSummary("Upsert a contact")
            .WithDescription("Creates the contact or updates the one with the same phone_e164 in the org. Phone numbers are validated and normalised to E.164; emails are validated; consent_capture is one of pre_call, website_form, manual, imported.");
        group.MapGet("/", ListAsync)
            .WithSummary("List contacts")
            .WithDescription("The org's contacts, newest first, filtered by consent_capture, opted_out, search (name, email, phone) and created_after/created_before.");
        group.MapGet("/{id}", GetAsync)
            .WithSummary("Get a contact")
            .WithDescription("One contact of the org.");
        group.MapPost("/{id}/opt-out", OptOutAsync)
            .WithSummary("Opt a contact out")
            .WithDescription("Stops calls (voice), emails (email) or both (all) to this contact from now on; running sequences stop.");
        group.MapDelete("/{id}", EraseAsync)
            .WithSummary("Erase a contact")
            .WithDescription("Erases the contact's personal data (also from its calls) and keeps only a hashed do-not-contact entry, so the person is never called or mailed again.");
        return api;
    }

    private static async Task<Ok<DataOf<ContactView>>> UpsertAsync(ContactInput request, HttpContext context, ContactStore contacts)
    {
        var result = await contacts.UpsertAsync(context.Caller().OrgId, request, context.RequestAborted);
        return TypedResults.Ok(Envelopes.Wrap(ContactView.From(result.Contact)));
    }

    private static async Task<Ok<ListOf<ContactView>>> ListAsync([AsParameters] ListContactsQuery query, HttpContext context, ContactStore contacts)
    {
        var page = await contacts.ListAsync(context.Caller().OrgId, query.ToFilter(), query.ToPage(), context.RequestAborted);
        return TypedResults.Ok(ListOf<ContactView>.From(page.Map(ContactView.From)));
    }

    private static async Task<Ok<DataOf<ContactView>>> GetAsync(string id, HttpContext context, ContactStore contacts)
    {
        var contact = await contacts.GetAsync(context.Caller().OrgId, id, context.RequestAborted) ?? throw ApplianceException.NotFound("Contact", "id");
        return TypedResults.Ok(Envelopes.Wrap(ContactView.From(contact)));
    }

    private static async Task<Ok<DataOf<ContactView>>> OptOutAsync(string id, [FromBody] OptOutRequest request, HttpContext context, ContactStore contacts)
    {
        var contact = await contacts.OptOutAsync(context.Caller().OrgId, id, request.Channel ?? "", request.Source, context.RequestAborted);
        return TypedResults.Ok(Envelopes.Wrap(ContactView.From(contact)));
    }

    private static async Task<Ok<DataOf<DeletedView>>> EraseAsync(string id, HttpContext context, ContactStore contacts)
    {
        await contacts.EraseAsync(context.Caller().OrgId, id, context.RequestAborted);
        return TypedResults.Ok(Envelopes.Wrap(new DeletedView(id, true)));
    }
}
