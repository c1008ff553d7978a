using Cualify.Appliance.Relay.Connectors.HubSpot;

namespace Cualify.Appliance.Relay.Connectors;

public sealed record ConnectorCheck(string Name, bool Ok, string Detail);

public sealed record ConnectorTestResult(bool Ok, IReadOnlyList<ConnectorCheck> Checks);

/// <summary>
/// <c>POST /connectors/{id}/test</c>: signs in with the stored credentials and reads one record of each object the
/// connector writes, so a missing scope is named before the first call is logged.
/// </summary>
public sealed class ConnectorTester(ConnectorStore connectors, HubSpotApi api, HubSpotTokens tokens, Zoho.ZohoApi zoho)
{
    private static readonly (string Object, string Scope)[] HubSpotObjects =
    [
        ("contacts", "crm.objects.contacts.read / .write"), ("calls", "crm.objects.calls (or sales-email-read for engagements)"), ("emails", "crm.objects.emails / sales-email-read"),
    ];

    public async Task<ConnectorTestResult> TestAsync(Connector connector, CancellationToken cancellationToken)
    {
        if (connector.Kind == ConnectorKinds.Zoho)
        {
            return await TestZohoAsync(connector, cancellationToken);
        }

        var checks = new List<ConnectorCheck>();
        var credentials = connectors.CredentialsOf(connector);
        var session = api.Open(connector, credentials);
        try
        {
            var token = await tokens.GetAsync(connector.Id, session.Options.BaseUrl, credentials, cancellationToken);
            checks.Add(new ConnectorCheck("credentials", true, credentials.UsesOAuth ? $"refresh token works; access token valid until {token.ExpiresAt:u}" : "static access token present"));
            foreach (var (objectType, scope) in HubSpotObjects)
            {
                var answer = await api.SendAsync(session, HttpMethod.Get, $"{session.ObjectsPath(objectType)}?limit=1", null, search: false, cancellationToken);
                checks.Add(answer.Status is >= 200 and < 300
                    ? new ConnectorCheck(objectType, true, $"can read {objectType}")
                    : new ConnectorCheck(objectType, false, answer.Status == 403
                        ? $"missing scope for {objectType} ({scope}): {answer.Body["message"]}"
                        : $"HubSpot answered {answer.Status}: {answer.Body["message"]}"));
            }
        }
        catch (CrmAuthFailedException ex)
        {
            // A static token is only known to be wrong once HubSpot refuses it.
            checks.RemoveAll(c => c.Name == "credentials");
            checks.Insert(0, new ConnectorCheck("credentials", false, ex.Message));
        }
        catch (Exception ex) when (ex is CrmOutcomeUnknownException or CrmRefusedException or HubSpotDailyLimitException)
        {
            checks.Add(new ConnectorCheck("reachable", false, ex.Message));
        }

        if (connector.ParsedOptions.InboundTemplateId is null)
        {
            checks.Add(new ConnectorCheck("inbound", true, "no options.inbound_template_id: inbound requests are logged but start nothing"));
        }

        return new ConnectorTestResult(checks.All(c => c.Ok), checks);
    }

    private async Task<ConnectorTestResult> TestZohoAsync(Connector connector, CancellationToken cancellationToken)
    {
        var checks = new List<ConnectorCheck>();
        var session = new Zoho.ZohoApi.Session(connector, connectors.CredentialsOf(connector), connector.ParsedOptions);
        try
        {
            foreach (var module in new[] { "Contacts", connector.ParsedOptions.CreateAs, "Calls", "Notes" }.Distinct())
            {
                var answer = await zoho.SendAsync(session, HttpMethod.Get, $"{module}?fields=id&per_page=1", null, cancellationToken);
                if (checks.Count == 0)
                {
                    checks.Add(new ConnectorCheck("credentials", true, $"refresh token works; access token valid until {session.TokenExpiresAt:u}"));
                }

                checks.Add(answer.Status is >= 200 and < 300
                    ? new ConnectorCheck(module, true, $"can read {module}")
                    : new ConnectorCheck(module, false, $"Zoho answered {answer.Status} for {module} (scope ZohoCRM.modules.{module.ToLowerInvariant()}.ALL needed): {answer.Body?["code"]}"));
            }
        }
        catch (CrmAuthFailedException ex)
        {
            checks.Insert(0, new ConnectorCheck("credentials", false, ex.Message));
        }
        catch (Exception ex) when (ex is CrmOutcomeUnknownException or CrmRefusedException or CrmRateLimitedException)
        {
            checks.Add(new ConnectorCheck("reachable", false, ex.Message));
        }

        return new ConnectorTestResult(checks.All(c => c.Ok), checks);
    }
}
