// Compiled at test time together with the Kiota client generated from the served document (not part of the
// test assembly): the README quickstart as an integrator writes it with that client.
using System.Reflection;
using System.Runtime.Serialization;
using Cualify.Client;
using Cualify.Client.Api.V1.Calls;
using Cualify.Client.Models;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;

namespace Cualify.ClientQuickstart;

public static class Quickstart
{
    public static async Task<Dictionary<string, string?>> RunAsync(Uri baseUrl, string adminKey, string operatorKey, Func<Task> betweenPolls)
    {
        var results = new Dictionary<string, string?>();
        using var adminHttp = Http(adminKey);
        using var operatorHttp = Http(operatorKey);
        var client = Client(adminHttp, baseUrl);
        var operatorClient = Client(operatorHttp, baseUrl);

        var check = await client.Api.V1.ApiKeys.Check.GetAsync();
        var orgId = check!.Data!.Org!.Id!.Value;
        results["org_id"] = orgId.ToString();
        var topUp = await operatorClient.Api.V1.Orgs[orgId].Credits.Topups.PostAsync(new TopUpRequest { AmountPaise = 100_000, Reference = "quickstart" });
        results["balance_paise"] = topUp!.Credits!.BalancePaise.ToString();

        var contact = await client.Api.V1.Contacts.PostAsync(new ContactInput
        {
            PhoneE164 = "+919812345678",
            Name = "Riya Sharma",
            Email = "riya@example.com",
            ConsentCapture = ContactInput_consent_capture.Website_form,
        });
        results["contact_id"] = contact!.Data!.Id.ToString();
        results["contact_phone"] = contact.Data.PhoneE164;

        var dtmf = new CreatePlaybookRequest_dtmf();
        dtmf.AdditionalData["1"] = "handoff";
        dtmf.AdditionalData["9"] = "opt_out";
        var playbook = await client.Api.V1.Playbooks.PostAsync(new CreatePlaybookRequest
        {
            Name = "Renewal reminder",
            Language = "en-IN",
            MaxDurationSec = 300,
            DisclosureText = "This call is from Acme Insurance.",
            MessageText = "Your policy renews next week. Press 1 for an agent, 9 to stop these calls.",
            Dtmf = dtmf,
            HandoffTarget = "+918012345678",
            Voicemail = CreatePlaybookRequest_voicemail.Hangup,
        });
        var agentId = playbook!.Data!.Id!.Value;
        results["playbook_id"] = agentId.ToString();

        var callIds = new List<Guid>();
        for (var i = 0; i < 2; i++)
        {
            var queued = await client.Api.V1.Calls.PostAsync(new CreateCallRequest { AgentId = agentId, ToE164 = "+919812345678" });
            results[$"call_{i}_queued_status"] = Wire(queued!.Data!.Status);
            var id = queued.Data.Id!.Value;
            callIds.Add(id);
            var polls = 0;
            CallDetailView? call;
            while (true)
            {
                call = (await client.Api.V1.Calls[id].GetAsync())!.Data!;
                if (call.Status is CallDetailView_status.Completed or CallDetailView_status.Failed or CallDetailView_status.No_answer
                    or CallDetailView_status.Busy or CallDetailView_status.Canceled || ++polls > 1_200)
                {
                    break;
                }

                await betweenPolls();
            }

            results[$"call_{i}_id"] = id.ToString();
            results[$"call_{i}_status"] = Wire(call.Status);
            results[$"call_{i}_timeline"] = string.Join(",", (call.Timeline ?? []).Select(e => Wire(e.Type)));
        }

        for (var offset = 0; offset < 2; offset++)
        {
            var page = await client.Api.V1.Calls.GetAsync(request =>
            {
                request.QueryParameters.Limit = 1;
                request.QueryParameters.Offset = offset;
                request.QueryParameters.Status = GetStatusQueryParameterType.Completed;
            });
            results[$"page_{offset}_ids"] = string.Join(",", page!.Data!.Select(c => c.Id));
            results[$"page_{offset}_total"] = page.Pagination!.Total.ToString();
            results[$"page_{offset}_has_more"] = page.Pagination.HasMore.ToString();
        }

        var queuedOnly = await client.Api.V1.Calls.GetAsync(request => request.QueryParameters.Status = GetStatusQueryParameterType.Queued);
        results["queued_total"] = queuedOnly!.Pagination!.Total.ToString();

        var webhook = await client.Api.V1.Webhooks.PostAsync(new CreateWebhookRequest
        {
            Url = "https://crm.example.com/hooks/cualify",
            Events = [CreateWebhookRequest_events.ContactDeleted],
            Description = "CRM sync",
        });
        results["webhook_id"] = webhook!.Data!.Id.ToString();
        results["webhook_events"] = string.Join(",", webhook.Data.Events!.Select(e => Wire(e)));
        results["webhook_secret"] = string.IsNullOrEmpty(webhook.Secret) ? null : "present";

        try
        {
            await client.Api.V1.Calls[Guid.CreateVersion7()].GetAsync();
            results["not_found"] = "no error";
        }
        catch (ErrorEnvelope error)
        {
            results["not_found"] = $"{error.ResponseStatusCode} {Wire(error.Error!.Code)} {error.Error.Param}";
        }

        try
        {
            await client.Api.V1.Calls.PostAsync(new CreateCallRequest { AgentId = agentId, ToE164 = "12345" });
            results["invalid"] = "no error";
        }
        catch (ErrorEnvelope error)
        {
            results["invalid"] = $"{error.ResponseStatusCode} {Wire(error.Error!.Code)} {error.Error.Param}";
        }

        return results;
    }

    private static HttpClient Http(string key)
    {
        var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    private static ApplianceClient Client(HttpClient http, Uri baseUrl) =>
        new(new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: http) { BaseUrl = baseUrl.ToString().TrimEnd('/') });

    /// <summary>The value as it went over the wire (the enum member's JSON name).</summary>
    private static string? Wire<T>(T? value)
        where T : struct, Enum =>
        value is { } v ? typeof(T).GetField(v.ToString())!.GetCustomAttribute<EnumMemberAttribute>()?.Value : null;
}
