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
        group.MapPost("/", UpsertAsync).WithIdempotency();
        group.MapGet("/", ListAsync);
        group.MapGet("/{id}", GetAsync);
        group.MapPost("/{id}/opt-out", OptOutAsync);
        group.MapDelete("/{id}", EraseAsync);
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
